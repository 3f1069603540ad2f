"""The models: text encoders and the cross-encoder, loaded offline from wheels.

Others import from `search.models.encoder`: Encoder and PairScorer (what a model does),
load_encoder / LazyEncoder and load_pair_scorer / LazyPairScorer (getting one) and
ModelIntegrityError.
"""

__all__ = ["encoder"]
