"""Plate post-processing: ranked candidates from the OCR's per-character alternatives, and the vote across crops."""

from recognition.engine.plates import merge_candidates, normalize, rank_candidates


def _sure(text: str, p: float = 0.99):
    return [[(c, p)] for c in text]


def test_a_sure_reading_is_the_first_candidate_with_a_high_confidence():
    candidates = rank_candidates(_sure("7ABC123"))
    assert candidates[0][0] == "7ABC123"
    assert candidates[0][1] > 0.8


def test_candidates_are_ranked_unique_bounded_and_between_0_and_1():
    positions = _sure("7AB") + [[("C", 0.5), ("G", 0.4)]] + _sure("12") + [[("3", 0.5), ("B", 0.45)]]
    candidates = rank_candidates(positions, top_k=4)
    plates = [plate for plate, _ in candidates]
    confidences = [confidence for _, confidence in candidates]
    assert len(plates) == len(set(plates)) <= 4
    assert confidences == sorted(confidences, reverse=True)
    assert all(0.0 <= c <= 1.0 for c in confidences)
    assert {"7ABC123", "7ABG123"} <= set(plates)


def test_the_plate_layout_decides_only_where_the_ocr_is_unsure():
    # 7ABC1Z3 is no common layout; 7ABC123 (DLLLDDD) is California's
    unsure = _sure("7ABC1") + [[("Z", 0.5), ("2", 0.45)]] + _sure("3")
    assert rank_candidates(unsure)[0][0] == "7ABC123"
    sure = _sure("7ABC1") + [[("Z", 0.97), ("2", 0.02)]] + _sure("3")
    assert rank_candidates(sure)[0][0] == "7ABC1Z3"  # a vanity plate stays possible


def test_o_is_not_taken_for_zero_on_an_even_call():
    # most states leave O out of standard serials
    positions = _sure("ABC1") + [[("O", 0.5), ("0", 0.45)]] + _sure("23")
    assert rank_candidates(positions)[0][0] == "ABC1023"


def test_known_confusions_are_offered_even_when_the_ocr_did_not_list_them():
    plates = [plate for plate, _ in rank_candidates(_sure("8ABC123", 0.8), top_k=10)]
    assert "BABC123" in plates  # B/8


def test_no_characters_no_candidates():
    assert rank_candidates([]) == []


def test_the_vote_rewards_agreement_between_crops():
    # two crops read A at 0.6; one reads B at 0.9: A has more support overall
    merged = merge_candidates([[("7ABC123", 0.6)], [("7ABC123", 0.6)], [("7ABC128", 0.9)]])
    assert merged[0][0] == "7ABC123"
    assert abs(merged[0][1] - 1.2 / 3) < 1e-9


def test_the_vote_ignores_crops_that_read_nothing():
    assert merge_candidates([[], [("7ABC123", 0.9)], []]) == [("7ABC123", 0.9)]
    assert merge_candidates([[], []]) == []


def test_normalize_keeps_only_letters_and_digits_with_look_alikes_mapped():
    assert normalize(" 7ab-c 123 ") == "7ABC123"
    assert normalize("Ø|К") == "0IK"  # Cyrillic К, a slashed zero and a bar, as a general OCR returns them
    assert normalize(None) == ""
