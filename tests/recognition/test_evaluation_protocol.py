"""The evaluation protocol's rules, on small files made here: the crop folds, the leak rule, the confusion pairs."""

from recognition.crop_evaluation import crop_folds, crop_split
from recognition.evaluation import confusion_pairs, confusions_text, edit_ops


def _crop_set(tmp_path, n=40):
    (tmp_path / "labels.csv").write_text(
        "image,state,plate\n" + "".join(f"ca{i}.png,ca,{i:03d}ABC\n" for i in range(n)), encoding="utf-8"
    )
    (tmp_path / "labels.tsv").write_text("a.jpg\t1\t2\t30\t15\t005ABC\nb.jpg\t1\t2\t30\t15\t017-ABC\n")
    return tmp_path


def test_folds_are_disjoint_cover_the_set_and_are_the_same_every_time(tmp_path):
    crops = _crop_set(tmp_path)
    folds = crop_folds(crops, folds=4)
    names = [c.path.name for part in folds for c in part]
    assert len(names) == len(set(names)) == 40
    assert [len(part) for part in folds] == [10, 10, 10, 10]
    assert folds == crop_folds(crops, folds=4)
    train, held_out = crop_split(crops, fold=2, folds=4)
    assert held_out == folds[2] and set(train).isdisjoint(held_out) and len(train) == 30


def test_plates_of_the_evaluation_photos_are_left_out_of_every_fold(tmp_path):
    crops = _crop_set(tmp_path)
    plates = {c.plate for part in crop_folds(crops, crops / "labels.tsv", folds=4) for c in part}
    assert len(plates) == 38
    assert "005ABC" not in plates and "017ABC" not in plates  # the label's separator does not hide it


def test_edit_ops_name_substitutions_insertions_and_deletions():
    assert edit_ops("7ABC123", "7ABC123") == []
    assert edit_ops("ASU9218", "ASV9218") == [("U", "V")]
    assert edit_ops("FK4W3L", "K4W3L") == [("F", "")]
    assert edit_ops("2515", "R2515") == [("", "R")]
    counts = confusion_pairs([("ASU9218", "ASV9218"), ("AUB1", "AVB1"), ("X1", None)])
    assert counts[("U", "V")] == 2 and counts[("X1", None)] == 1
    assert confusions_text(counts) == "CONFUSIONS U>V x2, X1>(none) x1"
