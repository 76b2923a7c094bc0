"""Residents request an interpreter by text message, in their own language (Twilio)."""
