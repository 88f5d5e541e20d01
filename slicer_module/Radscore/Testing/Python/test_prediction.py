"""The interim Python prediction (RadscoreLib/prediction.py) against the CLI's
`radscore predict --format json` (the Rust model code), the shipped cards, and the
prediction table."""

import copy
import json
import math
import subprocess

import numpy as np
import pytest

from RadscoreLib import mrml, prediction
from RadscoreLib.logic import RadscoreLogic


def complete_card():
    """The Front. Oncol. card with the locally fitted numbers filled in (made-up cohort values)."""
    card = copy.deepcopy(prediction.load_model("front-oncol-2025"))
    rng = np.random.default_rng(3)
    for f in card["radscore"]["features"]:
        f["mean"] = float(rng.normal(0, 50))
        f["sd"] = float(abs(rng.normal(10, 3)) + 0.5)
    card["radscore"]["intercept"] = 1.6
    card["fusion"]["intercept"] = -4.2
    for p in card["fusion"]["predictors"]:
        if p["kind"] == "ordinal":
            p["codes"] = [0, 1, 2]
    return card


def features_for(card, seed):
    rng = np.random.default_rng(seed)
    return {f["key"]: float(f["mean"] + rng.normal(0, 1) * f["sd"]) for f in card["radscore"]["features"]}


CLINICAL = [
    {"ki67": 30, "hepatic_metastases": "multiple", "extrahepatic_metastasis": "yes"},
    {"ki67": 2.5, "hepatic_metastases": "oligometastasis", "extrahepatic_metastasis": "no"},
    {"ki67": "100", "hepatic_metastases": 2, "extrahepatic_metastasis": 1},
    {"ki67": 0, "hepatic_metastases": "DIFFUSE", "extrahepatic_metastasis": "absent"},
]


def cli_predict(cli, tmp_path, card, features, clinical):
    (tmp_path / "card.json").write_text(json.dumps(card))
    (tmp_path / "features.json").write_text(json.dumps(features))
    args = [str(cli), "predict", "--model", str(tmp_path / "card.json"), "--features", str(tmp_path / "features.json")]
    for k, v in clinical.items():
        args += ["--clinical", f"{k}={v}"]
    args += ["--format", "json"]
    out = subprocess.run(args, capture_output=True, text=True)
    return out


@pytest.mark.parametrize("i", range(len(CLINICAL)))
def test_prediction_equals_cli(cli, tmp_path, i):
    card = complete_card()
    feats = features_for(card, i)
    ours = RadscoreLogic().predict(feats, CLINICAL[i], card)
    res = cli_predict(cli, tmp_path, card, feats, CLINICAL[i])
    assert res.returncode == 0, res.stderr
    ref = json.loads(res.stdout)
    assert ours["model"] == ref["model"] and ours["event"] == ref["event"]
    for k in ("radscore", "linear_predictor", "probability", "total_points"):
        assert ours[k] == pytest.approx(ref[k], rel=1e-12, abs=1e-12), k
    assert len(ours["terms"]) == len(ref["terms"])
    for a, b in zip(ours["terms"], ref["terms"]):
        assert a["predictor"] == b["predictor"] and a["value"] == b["value"]
        assert a["contribution"] == pytest.approx(b["contribution"], rel=1e-12, abs=1e-12)
        assert a["points"] == pytest.approx(b["points"], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize(
    "clinical, words",
    [
        ({"ki67": 30, "hepatic_metastases": "multiple"}, ["extrahepatic_metastasis", "missing"]),
        ({"ki67": 130, "hepatic_metastases": "multiple", "extrahepatic_metastasis": "no"}, ["ki67", "0 to 100"]),
        ({"ki67": 30, "hepatic_metastases": "many", "extrahepatic_metastasis": "no"}, ["hepatic_metastases", "oligometastasis"]),
        ({"ki67": 30, "hepatic_metastases": "multiple", "extrahepatic_metastasis": "no", "age": 3}, ["'age' is not a predictor"]),
    ],
)
def test_prediction_errors_like_cli(cli, tmp_path, clinical, words):
    card = complete_card()
    feats = features_for(card, 0)
    with pytest.raises(ValueError) as e:
        RadscoreLogic().predict(feats, clinical, card)
    for w in words:
        assert w in str(e.value)
    assert cli_predict(cli, tmp_path, card, feats, clinical).returncode != 0


def test_missing_and_nan_features():
    card = complete_card()
    feats = features_for(card, 0)
    key = card["radscore"]["features"][0]["key"]
    with pytest.raises(ValueError, match="missing from the extracted features"):
        RadscoreLogic().predict({k: v for k, v in feats.items() if k != key}, CLINICAL[0], card)
    with pytest.raises(ValueError, match="cannot be computed"):
        RadscoreLogic().predict({**feats, key: float("nan")}, CLINICAL[0], card)


def test_shipped_cards_load_but_refuse_to_predict(cli, tmp_path):
    shipped = RadscoreLogic.shippedModels()
    assert {"front-oncol-2025", "cancer-med-2026"} <= set(shipped)
    for card_id in ("front-oncol-2025", "cancer-med-2026"):
        card = RadscoreLogic().loadModel(card_id)
        assert prediction.missing(card)
        with pytest.raises(ValueError, match="cannot predict yet"):
            RadscoreLogic().predict({}, {}, card_id)
    # The clinical inputs the panel generates for the second card include the diameter class.
    card = RadscoreLogic().loadModel("cancer-med-2026")
    names = [p["name"] for p in prediction.clinical_predictors(card)]
    assert names == ["lesion_diameter", "hepatic_metastases", "extrahepatic_metastasis"]
    suggested = RadscoreLogic.suggestClinicalValues(card, {"original_shape_Maximum3DDiameter": 42.0})
    assert suggested == {"lesion_diameter": "3-5 cm"}


def test_bad_model_files(tmp_path):
    with pytest.raises(ValueError, match="cannot read model"):
        RadscoreLogic().loadModel(tmp_path / "none.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="not valid JSON"):
        RadscoreLogic().loadModel(tmp_path / "bad.json")
    card = complete_card()
    card["format_version"] = 9
    with pytest.raises(ValueError, match="format_version"):
        RadscoreLogic().loadModel(card)
    card = complete_card()
    card["radscore"]["features"][0]["key"] = "nonsense"
    with pytest.raises(ValueError, match="not a pyradiomics feature key"):
        RadscoreLogic().loadModel(card)


def test_pretty_matches_r():
    # R 4.3: pretty(c(0, 100), 10); pretty(c(1, 3.2)); pretty(c(-1.7, 4.1), 10)
    assert prediction.pretty(0, 100, 10) == [i * 10.0 for i in range(11)]
    assert prediction.pretty(1, 3.2, 5) == [1.0, 1.5, 2.0, 2.5, 3.0, 3.5]
    assert prediction.pretty(-1.7, 4.1, 10) == [-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5]


def test_nomogram_svg_marks_the_patient():
    card = complete_card()
    pred = prediction.predict(card, features_for(card, 1), CLINICAL[0])
    svg = prediction.nomogram_svg(card, pred)
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert svg.count('fill="red"') == len(card["fusion"]["predictors"]) + 2
    assert "Ki67 index" in svg and "Total points" in svg


def test_prediction_table(scene, slicer_mod):
    card = complete_card()
    seg = scene.AddNewNodeByClass("vtkMRMLSegmentationNode", "s")
    a = seg.GetSegmentation().AddEmptySegment("", "Lesion 1")
    b = seg.GetSegmentation().AddEmptySegment("", "Lesion 2")
    feats = {a: features_for(card, 1), b: features_for(card, 2)}
    preds = RadscoreLogic().predict(feats, CLINICAL[0], card)
    assert set(preds) == {a, b}
    table = scene.AddNewNodeByClass("vtkMRMLTableNode", "prediction")
    RadscoreLogic().fillPredictionTable(table, preds, card, seg)
    names, rows = mrml.table_rows(table)
    assert names == [
        "Segment", "Radscore", "Linear predictor", "Probability", "Radscore points",
        "Ki67 index", "Ki67 index points",
        "Number of hepatic metastases", "Number of hepatic metastases points",
        "Extrahepatic metastasis", "Extrahepatic metastasis points", "Total points",
    ]
    for row, sid in zip(rows, (a, b)):
        p = preds[sid]
        assert row[0] == mrml.segment_name(seg, sid)
        assert row[1:4] == [p["radscore"], p["linear_predictor"], p["probability"]]
        assert row[5] == "30" and row[7] == "multiple" and row[9] == "yes"
        assert row[-1] == pytest.approx(p["total_points"])
        assert math.isclose(row[4] + row[6] + row[8] + row[10], row[-1], rel_tol=1e-12)


# ---- the C API's model functions (added to ABI 1 in main) against the Python port ----


def c_models(lib):
    from RadscoreLib import binding

    if not lib.has_models:
        from conftest import unavailable

        unavailable("the library has no radscore_model_* functions yet")
    return binding


def complete_cancer_med():
    card = copy.deepcopy(prediction.load_model("cancer-med-2026"))
    card["radscore"]["features"][0].update(mean=40.0, sd=12.0)
    card["radscore"]["intercept"] = 0.3
    card["fusion"]["intercept"] = -2.0
    for p, coef in zip(card["fusion"]["predictors"], (1.7, 0.6, 0.9, 1.2)):
        p["coefficient"] = coef
        if p["kind"] == "ordinal":
            p["codes"] = [0, 1, 2]
        if p["kind"] == "radscore":
            p["axis"] = [-2, -1, 0, 1, 2, 3]
    return card


def same_prediction(ours, ref):
    for k in ("radscore", "linear_predictor", "probability", "total_points"):
        assert ours[k] == pytest.approx(ref[k], rel=1e-12, abs=1e-12), k
    for a, b in zip(ours["terms"], ref["terms"], strict=True):
        assert a["predictor"] == b["predictor"] and a["value"] == b["value"]
        assert a["points"] == pytest.approx(b["points"], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("i", range(len(CLINICAL)))
def test_python_prediction_equals_c_api(lib, i):
    rs = c_models(lib)
    card = complete_card()
    feats = features_for(card, i)
    ours = prediction.predict(card, feats, CLINICAL[i])
    with rs.Model.from_string(json.dumps(card)) as m:
        m.check_complete()
        same_prediction(ours, m.predict_radscore(ours["radscore"], CLINICAL[i]))


def test_c_api_prediction_from_extraction(lib):
    """cancer-med-2026 needs original_firstorder_Mean only: predict from a real Result."""
    rs = c_models(lib)
    from conftest import require_classes

    require_classes("firstorder")
    card = complete_cancer_med()
    rng = np.random.default_rng(5)
    img = rng.normal(40, 20, (8, 20, 20)).astype(np.float32)
    mask = np.zeros(img.shape, np.uint8)
    mask[2:6, 5:15, 5:15] = 1
    clinical = {"lesion_diameter": "3-5 cm", "hepatic_metastases": "diffuse", "extrahepatic_metastasis": "no"}
    with rs.Settings.from_dict({"featureClass": {"firstorder": []}}) as s, rs.Image.from_array(
        img, (1, 1, 1)
    ) as im, rs.Mask.from_array(mask, (1, 1, 1)) as mk, rs.extract(s, im, mk) as r, rs.Model.from_string(
        json.dumps(card)
    ) as m:
        ref = m.predict(r, clinical)
        ours = RadscoreLogic().predict(r.to_dict(), clinical, card)
    same_prediction(ours, ref)


def test_c_api_model_errors(lib):
    rs = c_models(lib)
    with rs.Model.from_card("front-oncol-2025") as m:
        assert m.json()["id"] == "front-oncol-2025"
        with pytest.raises(rs.RadscoreError) as e:
            m.check_complete()
        assert e.value.status_name == "MODEL" and "fitted" in str(e.value)
    with pytest.raises(rs.RadscoreError) as e:
        rs.Model.from_card("no-such-card")
    assert e.value.status_name == "MODEL"
    with pytest.raises(rs.RadscoreError) as e:
        rs.Model.from_string("{")
    assert e.value.status_name == "MODEL"
    with pytest.raises(rs.RadscoreError) as e:
        rs.Model.from_file("/nonexistent/model.json")
    assert e.value.status_name == "IO"
    with rs.Model.from_string(json.dumps(complete_card())) as m, pytest.raises(rs.RadscoreError) as e:
        m.predict_radscore(1.0, {"ki67": 300, "hepatic_metastases": "multiple", "extrahepatic_metastasis": "no"})
    assert e.value.status_name == "MODEL" and "ki67" in str(e.value)
