"""The city glossary: terms, translations, the matcher and the QA checks."""
