"""The synthetic plates the plate OCR trains on (tools/synthetic_plates.py)."""

import random

import numpy as np

from recognition.engine.ocr import CHARSET, STATE_CLASSES
from recognition.engine.plates import US_STATE_NAMES
from tools.synthetic_plates import STATE_DESIGNS, augment, render_plate


def test_the_same_seed_draws_the_same_plates():
    def draw(seed):
        rng = random.Random(seed)
        return [(augment(img, rng), text, state) for img, text, state in (render_plate(rng) for _ in range(20))]

    first, again = draw(5), draw(5)
    assert all(np.array_equal(a, b) and t == u and s == v for (a, t, s), (b, u, v) in zip(first, again, strict=True))
    assert [t for _, t, _ in draw(6)] != [t for _, t, _ in first]


def test_every_state_and_dc_has_a_design_and_is_drawn():
    assert set(STATE_DESIGNS) == set(US_STATE_NAMES)
    rng = random.Random(0)
    seen = {STATE_CLASSES[render_plate(rng)[2]] for _ in range(1500)}
    assert seen == set(STATE_CLASSES)  # every state, and "not told"


def test_a_plate_is_labelled_with_its_registration_only():
    rng = random.Random(1)
    for _ in range(300):
        img, text, state = render_plate(rng)
        assert img.ndim == 3 and img.shape[2] == 3 and img.dtype == np.uint8
        assert 3 <= len(text) <= 8 and set(text) <= set(CHARSET)
        crop = augment(img, rng)
        assert crop.ndim == 3 and crop.shape[0] >= 8 and 40 <= crop.shape[1] <= 220
