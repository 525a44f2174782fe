"""The one special-token convention every shipped vocabulary follows: ids 0–3 in this order."""
PAD, UNK, BOS, EOS = 0, 1, 2, 3
SPECIALS = ("<pad>", "<unk>", "<s>", "</s>")
EOS_LABEL = SPECIALS[EOS]
