"""The contract between tlstudio and the transformers Trainer.

tlstudio prefers the Trainer's public extension points; where it still needs a
private method, that use lives in tlstudio/core/training/trainer.py alone and
is declared in ``PRIVATE_TRAINER_API``.  These tests fail loudly, naming the
method, when a transformers release changes one of those methods, and when any
other module of tlstudio starts to touch the Trainer's private API.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest
import transformers
from transformers import Trainer

from tlstudio.core.training import trainer as studio_trainer
from tlstudio.core.training.trainer import PRIVATE_TRAINER_API, StudioTrainer, loss_uses_item_count

PACKAGE = Path(studio_trainer.__file__).resolve().parents[2]  # tlstudio/
OWNER = Path(studio_trainer.__file__).resolve()
OWNER_NAME = OWNER.relative_to(PACKAGE.parent).as_posix()
RELEASE = ".".join(transformers.__version__.split(".")[:2])


def _changed(name: str, why: str) -> str:
    return (
        f"transformers {RELEASE} changed Trainer.{name} ({OWNER_NAME} relies on parameters "
        f"{PRIVATE_TRAINER_API[name]}): {why}; update StudioTrainer"
    )


# --------------------------------------------------------------------------- the declared private methods


@pytest.mark.parametrize("name", sorted(PRIVATE_TRAINER_API))
def test_the_trainer_still_has_each_private_method_tlstudio_relies_on(name):
    method = inspect.getattr_static(Trainer, name, None)
    assert callable(method), _changed(name, "it is gone")
    parameters = list(inspect.signature(method).parameters.values())
    expected = PRIVATE_TRAINER_API[name]
    found = tuple(p.name for p in parameters[: len(expected)])
    # In order: the Trainer calls some of these positionally (sampler_fn(dataset), _get_grad_norm(model, ...)).
    assert found == expected, _changed(name, f"its parameters are now {tuple(p.name for p in parameters)}")
    required_extra = [
        p.name
        for p in parameters[len(expected) :]
        if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    assert not required_extra, _changed(name, f"it now also requires {required_extra}")


def _trainer_class_node() -> ast.ClassDef:
    tree = ast.parse(Path(inspect.getsourcefile(Trainer)).read_text(encoding="utf-8"))
    return next(node for node in tree.body if isinstance(node, ast.ClassDef) and node.name == "Trainer")


def _self_attributes_used(node: ast.AST) -> set[str]:
    return {
        n.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "self"
    }


OVERRIDDEN = sorted(name for name in PRIVATE_TRAINER_API if name.startswith("_") and name in vars(StudioTrainer))


@pytest.mark.parametrize("name", OVERRIDDEN)
def test_the_trainer_still_calls_each_private_method_studio_trainer_overrides(name):
    # An override the Trainer no longer calls would silently stop working, so the method existing is not enough.
    callers = [
        item.name
        for item in _trainer_class_node().body
        if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))
        and item.name != name
        and name in _self_attributes_used(item)
    ]
    assert callers, _changed(name, "nothing in the Trainer calls it any more")


@pytest.mark.parametrize("name", OVERRIDDEN)
def test_each_override_takes_the_parameters_declared_for_it(name):
    declared = PRIVATE_TRAINER_API[name]
    ours = tuple(inspect.signature(vars(StudioTrainer)[name]).parameters)[: len(declared)]
    assert ours == declared, f"StudioTrainer.{name} takes {ours} but PRIVATE_TRAINER_API declares {declared}"


def test_every_private_name_trainer_py_uses_is_declared():
    tree = ast.parse(OWNER.read_text(encoding="utf-8"))
    private = _trainer_private_names()
    undeclared = sorted(
        {
            f"{n.attr} (line {n.lineno})"
            for n in ast.walk(tree)
            if isinstance(n, ast.Attribute) and n.attr in private and n.attr not in PRIVATE_TRAINER_API
        }
    )
    assert not undeclared, f"{OWNER_NAME} uses Trainer private names missing from PRIVATE_TRAINER_API: {undeclared}"
    overrides = sorted(name for name in vars(StudioTrainer) if name in private and name not in PRIVATE_TRAINER_API)
    assert not overrides, (
        f"StudioTrainer overrides Trainer private methods missing from PRIVATE_TRAINER_API: {overrides}"
    )


# --------------------------------------------------------------------------- nobody else touches the private API


def _single_underscore(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _trainer_private_names() -> frozenset[str]:
    """The Trainer's private methods and class attributes, the private instance attributes it assigns and the
    private parameters of its methods (``save_model``'s ``_internal_call``)."""
    names = {name for name in dir(Trainer) if _single_underscore(name)}
    for node in ast.walk(_trainer_class_node()):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            arguments = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
            names |= {a.arg for a in arguments if _single_underscore(a.arg)}
        targets = (
            node.targets
            if isinstance(node, ast.Assign)
            else [node.target]
            if isinstance(node, (ast.AnnAssign, ast.AugAssign))
            else []
        )
        names |= {
            t.attr
            for t in targets
            if isinstance(t, ast.Attribute)
            and isinstance(t.value, ast.Name)
            and t.value.id == "self"
            and _single_underscore(t.attr)
        }
    return frozenset(names)


def _base_name(base: ast.expr) -> str | None:
    if isinstance(base, ast.Name):
        return base.id
    if isinstance(base, ast.Attribute):
        return base.attr
    return None


def _is_super_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "super"


def _names_a_trainer(node: ast.expr) -> bool:
    """``trainer``, ``self.trainer``, ``local_trainer``...: an expression that by its name holds a Trainer."""
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return "trainer" in name.lower()


def private_trainer_uses(sources: dict[str, str], private: frozenset[str]) -> list[str]:
    """``file:line`` for each override or use of a Trainer private name in ``sources`` (name -> code).

    Flagged: a Trainer subclass (found across all of ``sources``, however deep)
    defining one of ``private`` or reaching it through ``self`` or ``super()``,
    and anything reaching it through an expression named like a trainer
    (a private keyword argument passed to such a method call included).
    Private names the Trainer does not have (a subclass's own ``self._cache``)
    are left alone.
    """
    trees = {name: ast.parse(code) for name, code in sources.items()}
    subclasses = {"Trainer", "Seq2SeqTrainer"}
    grew = True
    while grew:  # subclasses of subclasses, in any module and any order
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in subclasses
                    and any(_base_name(b) in subclasses for b in node.bases)
                ):
                    subclasses.add(node.name)
                    grew = True
    found = set()
    for file, tree in trees.items():
        inside = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and any(_base_name(b) in subclasses for b in node.bases):
                for item in node.body:
                    if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and item.name in private:
                        found.add((file, item.lineno, f"overrides Trainer.{item.name}"))
                inside |= {id(n) for n in ast.walk(node)}

        def on_a_trainer(node: ast.Attribute) -> bool:
            on_self = id(node) in inside and (
                (isinstance(node.value, ast.Name) and node.value.id == "self") or _is_super_call(node.value)
            )
            return on_self or _names_a_trainer(node.value)

        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr in private and on_a_trainer(node):
                found.add((file, node.lineno, f"uses Trainer.{node.attr}"))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and on_a_trainer(node.func):
                found |= {
                    (file, node.lineno, f"passes {node.func.attr}'s private parameter {k.arg}")
                    for k in node.keywords
                    if k.arg in private
                }
    return [f"{file}:{line}: {what}" for file, line, what in sorted(found)]


def test_no_module_but_trainer_py_touches_the_trainers_private_api():
    sources = {
        path.relative_to(PACKAGE.parent).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(PACKAGE.rglob("*.py"))
    }
    # trainer.py takes part in finding subclasses (StudioTrainer) but is the one module allowed the private API.
    uses = [
        use for use in private_trainer_uses(sources, _trainer_private_names()) if not use.startswith(OWNER_NAME + ":")
    ]
    assert not uses, (
        "only " + OWNER_NAME + " may touch the Trainer's private API (declared in PRIVATE_TRAINER_API;"
        " call StudioTrainer's public methods instead):\n" + "\n".join(uses)
    )


def test_the_scan_flags_overrides_and_calls_and_nothing_else():
    private = frozenset({"_save_checkpoint", "_get_train_sampler", "_tr_loss", "_internal_call"})
    sources = {
        "a.py": "class Mine(StudioTrainer):\n"
        "    def _get_train_sampler(self, d=None):\n"
        "        self._cache = 1\n"
        "        return super()._get_train_sampler(d)\n",
        "b.py": "class Deeper(Mine):\n    def step(self):\n        return self._tr_loss\n",
        "c.py": "def fit(trainer, run):\n"
        "    trainer._save_checkpoint(trainer.model, trial=None)\n"
        "    run.trainer._tr_loss\n"
        "    trainer._own_thing()\n"
        "    run._save_checkpoint()\n"
        "    trainer.save_model(folder, _internal_call=True)\n"
        "    export(folder, _internal_call=True)\n",
        "d.py": "class Model(Module):\n    def _get_train_sampler(self):\n        return self._tr_loss\n",
        "e.py": "class StudioTrainer(Trainer):\n    pass\n",
    }
    assert private_trainer_uses(sources, private) == [
        "a.py:2: overrides Trainer._get_train_sampler",
        "a.py:4: uses Trainer._get_train_sampler",
        "b.py:3: uses Trainer._tr_loss",
        "c.py:2: uses Trainer._save_checkpoint",
        "c.py:3: uses Trainer._tr_loss",
        "c.py:6: passes save_model's private parameter _internal_call",
    ]


# --------------------------------------------------------------------------- loss scaling


def _bert(cls):
    from transformers import BertConfig

    return cls(
        BertConfig(
            vocab_size=64,
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=16,
            num_labels=2,
        )
    )


def _tiny_models():
    from transformers import (
        BertForMaskedLM,
        BertForSequenceClassification,
        BertForTokenClassification,
        GPT2Config,
        GPT2LMHeadModel,
        MarianConfig,
        MarianMTModel,
        T5Config,
        T5ForConditionalGeneration,
        ViTConfig,
        ViTForImageClassification,
    )

    from tlstudio.core.multitask.model import MultiTaskModel

    seq2seq = dict(
        d_model=16,
        encoder_layers=1,
        decoder_layers=1,
        encoder_attention_heads=2,
        decoder_attention_heads=2,
        encoder_ffn_dim=16,
        decoder_ffn_dim=16,
        vocab_size=64,
        pad_token_id=1,
        decoder_start_token_id=1,
    )
    # Which of them divide their loss by the batch's item count, read from transformers 5's heads.
    return [
        ("BERT sequence classification", _bert(BertForSequenceClassification), False),
        ("BERT token classification", _bert(BertForTokenClassification), False),
        ("BERT masked LM", _bert(BertForMaskedLM), False),
        (
            "T5",
            T5ForConditionalGeneration(T5Config(d_model=16, d_ff=16, d_kv=8, num_layers=1, num_heads=2, vocab_size=64)),
            False,
        ),
        ("Marian", MarianMTModel(MarianConfig(**seq2seq)), False),
        ("GPT-2", GPT2LMHeadModel(GPT2Config(n_embd=16, n_layer=1, n_head=2, vocab_size=64)), True),
        (
            "ViT",
            ViTForImageClassification(
                ViTConfig(
                    hidden_size=16,
                    num_hidden_layers=1,
                    num_attention_heads=2,
                    intermediate_size=16,
                    image_size=8,
                    patch_size=4,
                )
            ),
            True,
        ),
        ("multi-task", MultiTaskModel({"a": _bert(BertForSequenceClassification)}, {"a": 1.0}, {}), False),
    ]


def test_loss_uses_item_count_gives_the_answers_the_loss_scaling_relies_on():
    answers = {name: (loss_uses_item_count(model), expected) for name, model, expected in _tiny_models()}
    wrong = {name: got for name, (got, expected) in answers.items() if got != expected}
    assert not wrong, (
        f"with transformers {RELEASE}, loss_uses_item_count ({OWNER_NAME}) now answers {wrong}: "
        "the model's forward changed how it calls self.loss_function; check which heads divide by "
        "num_items_in_batch and update it"
    )


def test_the_signature_alone_cannot_tell_which_losses_use_the_item_count():
    # Why loss_uses_item_count reads the source: if this fails, a signature check may now be enough to replace it.
    def shape(model):
        parameters = inspect.signature(type(model).forward).parameters.values()
        return ("num_items_in_batch" in {p.name for p in parameters}, any(p.kind is p.VAR_KEYWORD for p in parameters))

    models = {name: model for name, model, _ in _tiny_models()}
    assert shape(models["BERT sequence classification"]) == shape(models["GPT-2"])
