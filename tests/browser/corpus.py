"""Twelve small but realistic PDFs for the browser tests: enough for a second page of results,
two or more of each filter option, and summaries and related documents worth looking at."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfgen import canvas

FONT, SIZE, WIDTH = "Helvetica", 11, 470


@dataclass(frozen=True)
class Paper:
    file: str
    title: str
    organisation: str
    year: int
    kind: str
    authors: str
    pages: tuple[tuple[str, ...], ...]


LCC = "Leicestershire County Council"
UOL = "University of Leicester"
CBC = "Charnwood Borough Council"
RCC = "Rural Community Council"

PAPERS = (
    Paper(
        "damp-homes.pdf",
        "Cold and damp homes and children's health",
        LCC,
        2023,
        "report",
        "Public Health Team; Housing Team",
        (
            (
                "Damp and mould in cold homes in Loughborough harm the lungs of young children and "
                "older people.",
                "Families in private rented homes are the most likely to live with damp, because "
                "many of these homes are old, poorly insulated and expensive to heat in winter.",
            ),
            (
                "Grants for insulation and new heating cut damp and led to fewer hospital visits "
                "for asthma in the two years after the work was done.",
                "We recommend that the council works with landlords in Loughborough to find the "
                "coldest homes "
                "first and offers help to the families who live in them.",
            ),
        ),
    ),
    Paper(
        "fuel-poverty.pdf",
        "Fuel poverty in Leicestershire",
        LCC,
        2022,
        "JSNA chapter",
        "",
        (
            (
                "A household is in fuel poverty when it cannot afford to keep its home warm "
                "without falling below the poverty line.",
                "Rural villages have more fuel poverty because many homes are not on the gas grid "
                "and heating oil costs more to buy.",
            ),
            (
                "Older people living alone and families with young children are at the greatest "
                "risk of harm from living in a cold home.",
                "Energy advice, warm home grants and help to claim benefits all reduce fuel "
                "poverty and the health problems that come with it.",
            ),
        ),
    ),
    Paper(
        "rural-loneliness.pdf",
        "Loneliness among older people in rural villages",
        RCC,
        2021,
        "briefing",
        "",
        (
            (
                "Older people in small villages often feel lonely when the bus service stops "
                "and friends move away or die.",
                "Loneliness is as bad for health as smoking and it raises the risk of heart "
                "disease, stroke and dementia in later life.",
            ),
            (
                "Lunch clubs, befriending calls and village hall activities reduce isolation "
                "and help older people feel part of their community again.",
            ),
        ),
    ),
    Paper(
        "village-transport.pdf",
        "Getting around without a car in rural Leicestershire",
        RCC,
        2020,
        "report",
        "",
        (
            (
                "Rural bus routes around Melton link villages to market towns, doctors, shops "
                "and jobs, but "
                "many routes have been cut in the last ten years.",
                "People without a car, including many young people and older people, find it "
                "hard to reach health services and work.",
            ),
            (
                "In Melton, demand responsive transport and community car schemes can replace "
                "buses that "
                "run nearly empty and still get people where they need to go.",
            ),
        ),
    ),
    Paper(
        "school-meals.pdf",
        "Free school meals and child food poverty",
        LCC,
        2019,
        "JSNA chapter",
        "",
        (
            (
                "Many children who are eligible for free school meals do not claim them, so "
                "their families miss out on help with food costs.",
                "Children who go hungry find it harder to learn and are more likely to miss "
                "school through illness.",
            ),
            (
                "Automatic enrolment for free school meals helps families on low incomes and "
                "brings more funding into the schools that need it most.",
            ),
        ),
    ),
    Paper(
        "back-to-work.pdf",
        "Helping people with long-term health conditions back into work",
        CBC,
        2024,
        "report",
        "Smith, Jane; Patel, Ravi",
        (
            (
                "Good work is good for health, and being out of work for a long time can harm "
                "both physical and mental health.",
                "People with long-term health conditions told us that flexible hours and an "
                "understanding manager helped them stay in work.",
            ),
            (
                "Employment support that sits inside GP surgeries reached people who had not "
                "used job centres before and helped many of them find work.",
            ),
        ),
    ),
    Paper(
        "air-quality.pdf",
        "Air pollution near main roads and schools",
        CBC,
        2022,
        "briefing",
        "",
        (
            (
                "Air pollution from traffic is highest near main roads, and several schools in "
                "the borough sit close to busy junctions.",
                "Children breathe faster than adults, so polluted air does more harm to their "
                "growing lungs and can make asthma worse.",
            ),
            (
                "School streets that close roads to traffic at drop off and pick up times cut "
                "pollution at the school gate and get more children walking.",
            ),
        ),
    ),
    Paper(
        "green-space.pdf",
        "Parks, green space and mental wellbeing",
        UOL,
        2021,
        "academic paper",
        "Okafor, Ada; Brown, Tom; Green, Sam",
        (
            (
                "People in Kent who live within a short walk of a park or green space report "
                "better "
                "mental wellbeing and take more exercise.",
                "In Kent the benefit is largest in the most deprived neighbourhoods, where fewer "
                "homes "
                "have gardens of their own.",
            ),
            (
                "Safe paths, lighting and toilets make parks feel welcoming to older people, "
                "disabled people and families with young children.",
            ),
        ),
    ),
    Paper(
        "food-banks.pdf",
        "Food banks and the cost of living",
        UOL,
        2023,
        "academic paper",
        "",
        (
            (
                "Food bank use in the county has risen sharply as food and energy prices have "
                "gone up faster than wages and benefits.",
                "Many people who use food banks are in work, and many are parents going without "
                "meals so that their children can eat.",
            ),
            (
                "Advice on benefits and debt offered at the food bank helped people raise their "
                "income and need emergency food less often.",
            ),
        ),
    ),
    Paper(
        "homelessness.pdf",
        "Homelessness and health in Leicestershire",
        LCC,
        2024,
        "report",
        "",
        (
            (
                "People who are homeless in Leicester die on average thirty years younger than "
                "the rest of "
                "the population, often from illnesses that can be treated.",
                "Many find it hard to register with a GP, so they use hospital emergency "
                "departments when they become very unwell.",
            ),
            (
                "In Leicester, outreach nurses and a housing first approach helped people stay "
                "in a home and "
                "get the health care they needed.",
            ),
        ),
    ),
    Paper(
        "early-years.pdf",
        "Early years, childcare and school readiness",
        LCC,
        2020,
        "briefing",
        "",
        (
            (
                "Children from low income families are less likely to be ready for school at "
                "the age of five than their classmates.",
                "Free childcare places for two year olds and support for parents at home help "
                "children learn to talk, play and make friends.",
            ),
            (
                "Family hubs bring health visitors, midwives and early help together in one "
                "place that is easy for parents to reach.",
            ),
        ),
    ),
    Paper(
        "digital-access.pdf",
        "Digital access to health and care services",
        LCC,
        2025,
        "report",
        "",
        (
            (
                "More health and care services are now online, but some older people and people "
                "on low incomes do not have the internet at home.",
                "People who cannot get online find it harder to book appointments, order "
                "prescriptions and claim benefits.",
            ),
            (
                "Libraries that lend tablets and offer free help sessions gave many people the "
                "confidence to use online services on their own.",
            ),
        ),
    ),
)


def write_paper(path: Path, paper: Paper) -> None:
    pdf = canvas.Canvas(str(path), pagesize=A4, invariant=True)
    pdf.setTitle(paper.title)
    pdf.setAuthor(paper.authors or paper.organisation)
    for paragraphs in paper.pages:
        y = 780.0
        for paragraph in paragraphs:
            for line in simpleSplit(paragraph, FONT, SIZE, WIDTH):
                pdf.setFont(FONT, SIZE)
                pdf.drawString(60, y, line)
                y -= 16
            y -= 16
        pdf.showPage()
    pdf.save()


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for paper in PAPERS:
        write_paper(folder / paper.file, paper)
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "title", "organisation", "year", "kind", "authors", "url"])
        for p in PAPERS:
            writer.writerow([p.file, p.title, p.organisation, p.year, p.kind, p.authors, ""])
    return folder
