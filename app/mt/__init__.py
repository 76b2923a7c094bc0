"""Offline machine translation: engines, model registry, the pre-translation pipeline."""
