"""The shipped Bot API facts: rebuilt from ../shared they match; requests are checked."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from bot.emulator.errors import ApiError
from bot.emulator.spec import Spec, decode_value

REPO_ROOT = Path(__file__).resolve().parents[1]


def _build_script() -> ModuleType:
    path = REPO_ROOT / "scripts" / "build_botapi.py"
    spec = importlib.util.spec_from_file_location("build_botapi", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rebuilding_from_the_specification_gives_the_shipped_file(shared_dir: Path) -> None:
    source = shared_dir / "telegram-bot-api" / "api.json"
    if not source.is_file():
        pytest.skip(f"{source} is missing")
    shipped = (REPO_ROOT / "bot" / "data" / "botapi.json").read_text(encoding="utf-8")
    assert _build_script().build(source) == shipped


def test_facts_hold_methods_fields_and_answer_types() -> None:
    spec = Spec.load()
    send = spec.method("sendMessage")
    assert send is not None
    assert send.required == {"chat_id", "text"}
    assert send.fields["reply_markup"][0] == "InlineKeyboardMarkup"
    assert set(spec.required_fields("AcceptedGiftTypes")) >= {"unlimited_gifts", "unique_gifts"}
    assert "accepted_gift_types" in spec.required_fields("ChatFullInfo")


def test_method_names_match_case_insensitively() -> None:
    spec = Spec.load()
    method = spec.method("SENDMESSAGE")
    assert method is not None and method.name == "sendMessage"


@pytest.mark.parametrize(
    ("types", "raw", "decoded"),
    [
        (("String",), '{"a": 1}', '{"a": 1}'),
        (("Integer", "String"), "123", 123),
        (("Integer", "String"), "@channel", "@channel"),
        (("Boolean",), "true", True),
        (("InlineKeyboardMarkup",), '{"inline_keyboard": []}', {"inline_keyboard": []}),
        (("InputFile", "String"), "AgACAgIAAxk", "AgACAgIAAxk"),
    ],
)
def test_form_values_are_json_decoded_unless_the_field_is_a_string(
    types: tuple[str, ...], raw: str, decoded: object
) -> None:
    assert decode_value(types, raw) == decoded


def test_check_refuses_unknown_and_missing_fields_but_allows_attachments() -> None:
    spec = Spec.load()
    method = spec.method("sendPhoto")
    assert method is not None
    with pytest.raises(ApiError, match="unknown parameter"):
        spec.check(method, {"chat_id": "1", "photo": "x", "colour": "red"}, frozenset())
    with pytest.raises(ApiError, match="photo is empty"):
        spec.check(method, {"chat_id": "1"}, frozenset())
    params = spec.check(method, {"chat_id": "1", "photo": "x", "file0": {}}, frozenset({"file0"}))
    assert params == {"chat_id": 1, "photo": "x"}


def test_answers_for_methods_without_behaviour_follow_the_return_type() -> None:
    spec = Spec.load()
    info = spec.method("getWebhookInfo")
    assert info is not None
    assert set(spec.answer(info)) >= {"url", "has_custom_certificate", "pending_update_count"}
    ban = spec.method("banChatMember")
    assert ban is not None and spec.answer(ban) is True
