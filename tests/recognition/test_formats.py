"""State serial formats: the table, and the soft re-ranking of a plate's candidates by its state's formats."""

import copy

import numpy as np

from recognition.engine.formats import fits_state_format, rerank, state_formats
from recognition.engine.ocr import STATE_CLASSES, CropText
from recognition.engine.plates import US_STATE_NAMES
from recognition.tasks import recognizer


def test_the_table_names_real_states_and_letter_digit_layouts():
    table = state_formats()
    assert len(table) >= 45 and set(table) <= set(US_STATE_NAMES)
    assert all(layouts and all(set(x) <= {"L", "D"} for x in layouts) for layouts in table.values())


def test_a_plate_fits_its_states_layouts_or_not_and_an_unlisted_state_says_nothing():
    assert fits_state_format("7ABC123", "CA") is True
    assert fits_state_format("ABC1234", "ca") is False
    assert fits_state_format("ABC1234", "ZZ") is None


def test_a_close_candidate_that_fits_the_confident_states_format_goes_first():
    candidates = [("ZY6473", 0.37), ("1ZY6473", 0.17), ("TZY6473", 0.07)]
    ranked = rerank(candidates, {"NC": 0.99}, weight=2.0, min_probability=0.9)
    assert ranked[0][0] == "TZY6473"
    assert abs(sum(p for _, p in ranked) - sum(p for _, p in candidates)) < 1e-9


def test_the_formats_are_soft_and_count_only_when_the_state_is_sure():
    far_ahead = [("CEMENT0", 0.9), ("CEM0123", 0.01)]  # a vanity plate read clearly stays
    assert rerank(far_ahead, {"CA": 0.99}, weight=2.0, min_probability=0.9)[0][0] == "CEMENT0"
    close = [("ZY6473", 0.37), ("TZY6473", 0.07)]
    assert rerank(close, {"NC": 0.6}, weight=2.0, min_probability=0.9) == close  # the state head is unsure
    assert rerank(close, {"ZZ": 0.99}, weight=2.0, min_probability=0.9) == close  # a state without formats


def _read(text: str, p: float, state: str) -> CropText:
    probs = np.full(len(STATE_CLASSES), 1e-4)
    probs[STATE_CLASSES.index(state)] = 1.0
    return CropText([[(c, p)] for c in text], probs / probs.sum())


def test_the_pipeline_chooses_between_crops_that_disagree_on_a_first_character_by_the_format():
    # two of three crops dropped the first character of a North Carolina plate (LLLDDDD)
    texts = [_read("ZY6473", 0.99, "NC"), _read("ZY6473", 0.99, "NC"), _read("TZY6473", 0.9, "NC")]
    whole = [True, True, True]
    candidates, state = recognizer().decide(texts, whole)
    assert state == "NC" and candidates[0][0] == "TZY6473"
    plain = copy.copy(recognizer())
    plain.format_weight = 0.0
    assert plain.decide(texts, whole)[0][0][0] == "ZY6473"  # without the formats the majority wins
