"""Séances: the model (with its themes), join codes, slugs, and every write to a séance
(authoring, publication, opening to questions, ``touch`` when a live list changes)."""
