"""Helpers shared by test layers: builders for tiny, offline MT models."""
