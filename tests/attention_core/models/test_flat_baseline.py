"""The flat BiGRU baseline reads every token of a document, and its prediction ignores batch neighbours."""
import torch

from attention_core.models.document import FlatClassifier
from attention_core.models.recurrent import left_align
from attention_core.models.text_vocab import PAD


def test_left_align_moves_padding_between_sentences_to_the_end():
    grid = torch.tensor([[5, 6, PAD], [7, PAD, PAD], [8, 9, 4]]).reshape(1, -1)
    assert left_align(grid, PAD).tolist() == [[5, 6, 7, 8, 9, 4, PAD, PAD, PAD]]


def test_same_document_same_logits_alone_and_beside_a_longer_one():
    torch.manual_seed(0)
    model = FlatClassifier(50, 5, emb=8, hidden=6).eval()
    short = torch.tensor([[3, 4, PAD, PAD], [5, PAD, PAD, PAD]])          # 2 sentences, PAD between them
    long = torch.randint(2, 50, (5, 4))
    batch = torch.full((2, 5, 4), PAD)
    batch[0, :2] = short
    batch[1] = long
    with torch.no_grad():
        alone = model(short[None])
        together = model(batch)
        # the PAD-free reading of the same words gives the same prediction too
        plain = model(torch.tensor([[[3, 4, 5]]]))
    torch.testing.assert_close(alone[0], together[0], rtol=0, atol=1e-6)
    torch.testing.assert_close(alone[0], plain[0], rtol=0, atol=1e-6)


def test_every_token_changes_the_prediction():
    torch.manual_seed(0)
    model = FlatClassifier(50, 5, emb=8, hidden=6).eval()
    doc = torch.tensor([[[3, 4, PAD, PAD], [5, 6, 7, 8]]])
    edited = doc.clone()
    edited[0, 1, 3] = 9            # the last real token of the document
    with torch.no_grad():
        assert not torch.allclose(model(doc), model(edited))
