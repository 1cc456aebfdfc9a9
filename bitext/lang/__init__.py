"""Language helpers shared by the stages: word tokens, id/en numbers, names, language id.

Pure functions with no store access, so alignment and the review flags read text the same way.
"""
