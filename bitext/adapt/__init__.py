"""Adapting the translation model to the corpus's own reviewed text, and comparing models.

``data`` (the trusted pairs: reviewed accepted/edited and clean human references, split into train and
held-out by the dataset splits' rule) → ``train`` (continued training with early stopping on held-out
chrF, checkpoints, the guard against a worse model, the atomic final save) → ``card`` (the model card
and the adaptation signature the model folder carries); ``scoring`` (sacrebleu chrF/BLEU/TER) and
``compare`` (two models on the same pairs, paired bootstrap, per-article table, largest differences).
Heavy libraries (torch, transformers) are imported where they are used.
"""
