"""The models: text encoders and the cross-encoder, loaded offline from wheels.

Others import from `search.models.encoder`: Encoder and PairScorer (what a model does),
load_encoder / load_cross_encoder / LazyEncoder (getting one) and ModelIntegrityError.
"""

__all__ = ["encoder"]
