import dataclasses
import threading
import time

import pytest

from attention_core.capabilities import (Attribution, Capabilities, Family, Input, MapKind, Needs, Produces,
                                         Target)

from attention_core.models import registry
from attention_core.models.registry import ModelSpec, list_models, load_model
from attention_core.tasks import Task


def test_every_shipped_model_is_listed_with_task_and_mechanism():
    ids = {s.id for s in list_models()}
    expected = {f"{fam}/{m}" for fam in ("bible-en-fr", "dates-en-fr") for m in
                ("bahdanau", "luong-dot", "luong-general", "luong-concat", "local-m", "local-p", "local-p-topk")}
    expected |= {"caption/soft", "caption/hard", "imagenet/efficientnet-lite0", "document/han", "document/flat",
                 "sentence/lin", "sentence/lin-nopenalty", "transformer/minilm-l6"}
    assert expected <= ids
    for spec in list_models():
        assert spec.task and spec.mechanism and spec.description
        if spec.shipped:
            assert spec.is_available(), f"{spec.id}: shipped weights are missing"


def test_concurrent_sessions_load_a_model_once(monkeypatch):
    calls = []

    def slow_loader():
        calls.append(1)
        time.sleep(0.2)
        return object()

    spec = ModelSpec("test/slow", "encoder", "dot", "test", "text", slow_loader,
                     Capabilities("text", "tokens", {"self"}, Family("test")))
    monkeypatch.setitem(registry.MODELS, spec.id, spec)
    monkeypatch.delitem(registry._LOADED, spec.id, raising=False)
    results = []
    threads = [threading.Thread(target=lambda: results.append(load_model("test/slow"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(r) for r in results}) == 1


def test_a_different_model_under_a_taken_id_is_refused_but_re_registering_is_idempotent():
    spec = list_models()[0]
    registry.register_model(spec)      # a re-import registers the same model again: no error
    other = dataclasses.replace(spec, mechanism="something-else")
    with pytest.raises(ValueError, match="twice"):
        registry.register_model(other)
    assert registry.MODELS[spec.id] is spec


def test_every_model_declares_capabilities_and_listing_filters_by_them():
    assert all(isinstance(s.task, Task) for s in list_models())
    assert all(isinstance(s.capabilities, Capabilities) for s in list_models())
    hops = {s.id for s in list_models(Needs(maps={MapKind.HOPS}))}
    assert hops == {"sentence/lin", "sentence/lin-nopenalty"}
    translators = list_models(Needs(produces=Produces.TRANSLATION, attribution=Target.EACH_TOKEN))
    # open-world: a family added later (e.g. reverse/) joins the listing without this test changing
    assert {"bible-en-fr", "dates-en-fr"} <= {s.family for s in translators}
    assert sum(s.family in ("bible-en-fr", "dates-en-fr") for s in translators) == 14
    assert all(s.capabilities.produces == Produces.TRANSLATION and s.capabilities.attribution.target ==
               Target.EACH_TOKEN for s in translators)
    assert "sentence/lin" not in {s.id for s in translators}
    images = list_models(Needs(input=Input.IMAGE))
    assert images and all(s.input_kind.value == "image" for s in images)
    with pytest.raises(ValueError):
        Needs(maps={"no-such-map"})


def test_a_family_name_is_its_shared_folder():
    from attention_core.checkpoint import WEIGHTS_DIR
    for spec in list_models(Needs(attributable=True)):
        if spec.shipped:
            assert (WEIGHTS_DIR / spec.family).is_dir(), spec.id


def test_needs_reads_only_declarations():
    caps = Capabilities(input="text", produces="label", maps={"hops"}, family=Family("x"),
                        attribution=Attribution("word embeddings"))
    assert Needs(maps={"hops"}).accepts(caps) and Needs(attributable=True).accepts(caps)
    assert not Needs(maps={"hops", "layers-heads"}).accepts(caps)
    assert not Needs(input="image").accepts(caps)
    assert not Needs(attribution="each-token").accepts(caps)
    assert not Needs(maps={"hops"}, without={"hops"}).accepts(caps)
    assert Needs(produces=("translation", "label")).accepts(caps)
