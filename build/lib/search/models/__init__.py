"""The models: text encoders and the cross-encoder, loaded offline from wheels."""
