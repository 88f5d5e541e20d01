"""Radscore, probability and nomogram points from a radscore model card (JSON).

INTERIM PYTHON PORT of what ``src/model/`` does in Rust (card.rs, predict.rs, nomogram.rs)
and ``radscore predict`` prints. It is the only place that knows the model format. The C API
now has ``radscore_model_*`` functions (wrapped as ``binding.Model``), but they predict from a
``radscore_result`` handle or a Radscore value, while the Logic hands features around as
dicts ({key: value}, e.g. read back from a table or a CSV). Once the C API can predict from
a feature dict (e.g. ``radscore_model_predict_json(model, features_json, clinical_json)``),
replace the bodies of :func:`load_model` and :func:`predict` with ``binding.Model`` calls and
keep the signatures. Tests compare this module with the CLI and with ``binding.Model``.

- Radscore = intercept + Σ coefficient · (x − mean) / sd
- logit P(event) = fusion intercept + Σ β · x (binary: β when present; ordinal: β · code,
  codes default to 0, 1, 2...; categorical: one β per non-reference level)
- nomogram points as R's rms (maxscale 100): the widest predictor spans 0–100 points.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Optional, Union

MODEL_FORMAT_VERSION = 1
_KINDS = ("radscore", "continuous", "binary", "ordinal", "categorical")
_CLASSES = ("shape", "firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm", "shape2D")


class ModelError(ValueError):
    """An invalid model file or model input (message names the cause)."""


def shipped_model_dirs() -> list[Path]:
    """Where the shipped cards are: Resources/Models beside the module, or the repo's models/."""
    here = Path(__file__).resolve().parent
    return [here.parent / "Resources" / "Models", here.parents[2] / "models"]


def shipped_models() -> dict[str, Path]:
    """{card id: path} of the cards shipped with radscore."""
    out: dict[str, Path] = {}
    for d in shipped_model_dirs():
        if d.is_dir():
            for p in sorted(d.glob("*.json")):
                try:
                    card_id = json.loads(p.read_text(encoding="utf-8")).get("id")
                except (OSError, ValueError, AttributeError):
                    continue
                if isinstance(card_id, str):
                    out.setdefault(card_id, p)
    return out


def load_model(model: Union[str, os.PathLike, dict]) -> dict:
    """A validated model card from a dict, a JSON file path, or a shipped card id."""
    if isinstance(model, dict):
        card = model
        where = "model"
    else:
        text_or_path = os.fspath(model)
        shipped = shipped_models()
        path = shipped.get(text_or_path, Path(text_or_path))
        where = str(path)
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as e:
            known = ", ".join(sorted(shipped)) or "none found"
            raise ModelError(f"cannot read model '{text_or_path}': {e.strerror or e} (shipped cards: {known})") from e
        try:
            card = json.loads(text)
        except ValueError as e:
            raise ModelError(f"{where}: not valid JSON: {e}") from e
    validate(card, where)
    return card


def validate(card: dict, where: str = "model") -> None:
    def bad(msg: str):
        raise ModelError(f"{where}: {msg}")

    if not isinstance(card, dict):
        bad("a model file must be a JSON object")
    if card.get("format") != "radscore-model":
        bad(f"'format' must be \"radscore-model\", got {card.get('format')!r}")
    if card.get("format_version") != MODEL_FORMAT_VERSION:
        bad(f"format_version {card.get('format_version')!r} is not supported (this module reads version 1)")
    for k in ("id", "title", "event", "radscore", "fusion"):
        if k not in card:
            bad(f"missing '{k}'")
    feats = card["radscore"].get("features")
    if not isinstance(feats, list) or not feats:
        bad("radscore.features is empty")
    for i, f in enumerate(feats):
        at = f"radscore.features[{i}] ({f.get('key')})"
        parts = str(f.get("key", "")).split("_", 2)
        if len(parts) != 3 or not parts[0] or parts[1] not in _CLASSES or not parts[2]:
            bad(f"{at}: {f.get('key')!r} is not a pyradiomics feature key (imageType_class_Feature)")
        if not _finite(f.get("coefficient")):
            bad(f"{at}: coefficient must be a finite number")
        if f.get("mean") is not None and not _finite(f["mean"]):
            bad(f"{at}: mean must be a finite number")
        sd = f.get("sd")
        if sd is not None and not (_finite(sd) and sd > 0):
            bad(f"{at}: sd must be > 0, got {sd}")
    preds = card["fusion"].get("predictors", [])
    names = set()
    n_radscore = 0
    for i, p in enumerate(preds):
        at = f"fusion.predictors[{i}] ({p.get('name')})"
        name = p.get("name", "")
        if not name or not all(c.isascii() and (c.isalnum() or c == "_") for c in name):
            bad(f"{at}: name must be letters, digits or '_'")
        if name in names:
            bad(f"{at}: duplicate predictor name")
        names.add(name)
        kind = p.get("kind")
        if kind not in _KINDS:
            bad(f"{at}: unknown kind {kind!r} ({', '.join(_KINDS)})")
        n_radscore += kind == "radscore"
        levels = p.get("levels")
        if kind == "continuous" and not (_finite(p.get("min")) and _finite(p.get("max")) and p["min"] < p["max"]):
            bad(f"{at}: needs min < max")
        if kind == "binary" and (not isinstance(levels, list) or len(levels) != 2 or levels[0] == levels[1]):
            bad(f"{at}: a binary predictor needs 2 different levels")
        if kind in ("ordinal", "categorical") and (not isinstance(levels, list) or len(levels) < 2):
            bad(f"{at}: needs at least 2 levels")
        if kind == "ordinal" and p.get("codes") is not None and len(p["codes"]) != len(levels):
            bad(f"{at}: {len(p['codes'])} codes for {len(levels)} levels (one finite code per level)")
        if kind == "categorical" and p.get("coefficients") is not None and len(p["coefficients"]) != len(levels) - 1:
            bad(f"{at}: one coefficient per non-reference level")
    if n_radscore != 1:
        bad(f"fusion.predictors must contain exactly one radscore term, found {n_radscore}")


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def missing(card: dict) -> list[str]:
    """What must still be fitted locally before the card can predict (empty = complete)."""
    m = []
    for i, f in enumerate(card["radscore"]["features"]):
        if f.get("mean") is None or f.get("sd") is None:
            m.append(f"radscore.features[{i}] ({f['key']}) mean and sd")
    if card["radscore"].get("intercept") is None:
        m.append("radscore.intercept")
    if card["fusion"].get("intercept") is None:
        m.append("fusion.intercept")
    for p in card["fusion"]["predictors"]:
        kind = p["kind"]
        if kind == "categorical":
            gap = p.get("coefficients") is None
        elif kind == "ordinal":
            gap = p.get("codes") is None or p.get("coefficient") is None
        else:
            gap = p.get("coefficient") is None
        if gap:
            m.append(f"fusion predictor '{p['name']}' coefficient(s)")
    return m


def require_complete(card: dict) -> None:
    m = missing(card)
    if m:
        raise ModelError(
            f"model '{card['id']}' cannot predict yet: {len(m)} must be fitted on a local cohort "
            f"(radscore calibrate --model CARD --cohort COHORT.csv --out MODEL.json): {'; '.join(m)}"
        )


def feature_keys(card: dict) -> list[str]:
    return [f["key"] for f in card["radscore"]["features"]]


def clinical_predictors(card: dict) -> list[dict]:
    """The predictors the user must enter (all but the Radscore), for generating inputs."""
    return [p for p in card["fusion"]["predictors"] if p["kind"] != "radscore"]


def radscore(card: dict, features: dict) -> float:
    require_complete(card)
    score = card["radscore"].get("intercept") or 0.0
    for f in card["radscore"]["features"]:
        if f["key"] not in features:
            raise ModelError(
                f"feature '{f['key']}' is missing from the extracted features (check the extraction settings: "
                "the model was built with image types and classes that produce it)"
            )
        x = features[f["key"]]
        if x is None or not math.isfinite(x):
            raise ModelError(f"feature '{f['key']}' is {x}, the Radscore cannot be computed")
        mean = f["mean"] if f.get("mean") is not None else 0.0
        sd = f["sd"] if f.get("sd") is not None else 1.0
        score += f["coefficient"] * (x - mean) / sd
    return score


def logistic(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _valid(p: dict) -> str:
    k = p["kind"]
    if k == "continuous":
        return f"a number from {_num(p['min'])} to {_num(p['max'])} {p.get('unit', '')}".rstrip()
    if k == "binary":
        return f"one of {p['levels'][0]}, {p['levels'][1]} (or 0, 1)"
    return "one of " + ", ".join(p["levels"])


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _level_index(levels: list, v) -> Optional[int]:
    if isinstance(v, str):
        t = v.strip()
        try:
            v = float(t)
        except ValueError:
            low = t.lower()
            for i, lv in enumerate(levels):
                if lv.lower() == low:
                    return i
            return None
    if isinstance(v, bool):
        v = int(v)
    if isinstance(v, (int, float)) and float(v).is_integer() and 0 <= v < len(levels):
        return int(v)
    return None


def _contribution(p: dict, v) -> tuple[str, float]:
    kind = p["kind"]

    def invalid():
        return ModelError(f"clinical value '{p['name']}' = {v!r} is not valid: expected {_valid(p)}")

    if kind == "continuous":
        x = v
        if isinstance(x, str):
            try:
                x = float(x.strip())
            except ValueError:
                raise invalid() from None
        if isinstance(x, bool) or not _finite(x) or not p["min"] <= x <= p["max"]:
            raise invalid()
        return _num(x), (p.get("coefficient") or 0.0) * x
    levels = p["levels"]
    if kind == "binary":
        i = _level_index(levels, v)
        if i is None and isinstance(v, str):
            low = v.strip().lower()
            i = 1 if low in ("yes", "true", "present") else 0 if low in ("no", "false", "absent") else None
        if i is None:
            raise invalid()
        return levels[i], (p.get("coefficient") or 0.0) * i
    i = _level_index(levels, v)
    if i is None:
        raise invalid()
    if kind == "ordinal":
        codes = p.get("codes")
        code = codes[i] if codes is not None else float(i)
        return levels[i], (p.get("coefficient") or 0.0) * code
    coefs = p.get("coefficients") or []
    return levels[i], 0.0 if i == 0 else (coefs[i - 1] if i - 1 < len(coefs) else 0.0)


def predict(card: dict, features: Optional[dict], clinical: dict, radscore_value: Optional[float] = None) -> dict:
    """The prediction for one lesion, as ``radscore predict --format json`` prints it:
    {model, event, radscore, linear_predictor, probability, terms: [{predictor, value,
    contribution, points}], total_points}. Give ``features`` (the Radscore is computed) or
    ``radscore_value``."""
    require_complete(card)
    rs = radscore(card, features) if radscore_value is None else float(radscore_value)
    names = [p["name"] for p in card["fusion"]["predictors"]]
    for name in clinical:
        if name not in names:
            raise ModelError(f"'{name}' is not a predictor of model '{card['id']}' (predictors: {', '.join(names)})")
    try:
        scale = NomogramScale(card)
    except ModelError:
        scale = None
    lp = card["fusion"].get("intercept") or 0.0
    terms = []
    for p in card["fusion"]["predictors"]:
        if p["kind"] == "radscore":
            value, contribution = f"{rs:.4f}", (p.get("coefficient") or 0.0) * rs
        else:
            if p["name"] not in clinical or clinical[p["name"]] is None or clinical[p["name"]] == "":
                raise ModelError(f"clinical value '{p['name']}' ({p['label']}) is missing: {_valid(p)}")
            value, contribution = _contribution(p, clinical[p["name"]])
        lp += contribution
        points = scale.points(p["name"], contribution) if scale else float("nan")
        terms.append({"predictor": p["name"], "value": value, "contribution": contribution, "points": points})
    return {
        "model": card["id"],
        "event": card["event"]["description"],
        "radscore": rs,
        "linear_predictor": lp,
        "probability": logistic(lp),
        "terms": terms,
        "total_points": sum(t["points"] for t in terms),
    }


class NomogramScale:
    """rms nomogram scale: points per unit of linear predictor and each axis (ticks, points)."""

    def __init__(self, card: dict):
        intercept = card["fusion"].get("intercept")
        if intercept is None:
            raise ModelError("the nomogram needs fusion.intercept (fit locally)")
        self.axes = []
        for p in card["fusion"]["predictors"]:
            ticks, contributions = _axis_values(p)
            self.axes.append({"predictor": p["name"], "label": p["label"], "ticks": ticks, "contributions": contributions})
        widest = max((max(a["contributions"]) - min(a["contributions"]) for a in self.axes), default=0.0)
        if not widest > 0:
            raise ModelError("no predictor varies along its nomogram axis")
        self.points_per_unit = 100.0 / widest
        self.lp_at_zero = intercept
        for a in self.axes:
            lo = min(a["contributions"])
            self.lp_at_zero += lo
            a["points"] = [(c - lo) * self.points_per_unit for c in a["contributions"]]

    def points(self, predictor: str, contribution: float) -> float:
        for a in self.axes:
            if a["predictor"] == predictor:
                return (contribution - min(a["contributions"])) * self.points_per_unit
        return float("nan")

    def linear_predictor(self, total_points: float) -> float:
        return self.lp_at_zero + total_points / self.points_per_unit


def _axis_values(p: dict) -> tuple[list[str], list[float]]:
    def need(what):
        return ModelError(f"predictor '{p['name']}': the nomogram needs {what}")

    kind = p["kind"]
    if kind in ("radscore", "continuous"):
        b = p.get("coefficient")
        if b is None:
            raise need("its coefficient")
        axis = p.get("axis") or []
        if kind == "radscore" and len(axis) < 2:
            raise need("an axis (at least two Radscore values)")
        xs = [float(v) for v in axis] if axis else pretty(p["min"], p["max"], 10)
        return [_tick(x) for x in xs], [b * x for x in xs]
    if kind == "binary":
        if p.get("coefficient") is None:
            raise need("its coefficient")
        return list(p["levels"]), [0.0, p["coefficient"]]
    if kind == "ordinal":
        if p.get("coefficient") is None:
            raise need("its coefficient")
        if p.get("codes") is None:
            raise need("the level codes")
        return list(p["levels"]), [p["coefficient"] * c for c in p["codes"]]
    if p.get("coefficients") is None:
        raise need("its coefficients")
    return list(p["levels"]), [0.0] + list(p["coefficients"])


def _tick(x: float) -> str:
    s = f"{x:.6f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def pretty(lo: float, hi: float, n: int = 5) -> list[float]:
    """R's ``pretty(c(lo, hi), n)`` (same algorithm as src/model/nomogram.rs)."""
    lo, hi = (lo, hi) if lo <= hi else (hi, lo)
    ndiv = float(max(n, 1))
    min_n = float(n // 3)
    h, h5 = 1.5, 2.75
    eps = 1e-10
    dx = hi - lo
    if dx == 0 and hi == 0:
        cell, small = 1.0, True
    else:
        cell = max(abs(lo), abs(hi))
        u = 1.0 + (1.0 / (1.0 + h) if h5 >= 1.5 * h + 0.5 else 1.5 / (1.0 + h5))
        u *= max(ndiv, 1.0) * 2.220446049250313e-16
        small = dx < cell * u * 3.0
    if small:
        if cell > 10:
            cell = 9 + cell / 10
        cell *= 0.75
        if min_n > 1:
            cell /= min_n
    else:
        cell = dx
        if ndiv > 1:
            cell /= ndiv
    cell = max(cell, 20 * 2.2250738585072014e-308)
    base = 10.0 ** math.floor(math.log10(cell))
    unit = base
    if 2 * base - cell < h * (cell - unit):
        unit = 2 * base
        if 5 * base - cell < h5 * (cell - unit):
            unit = 5 * base
            if 10 * base - cell < h * (cell - unit):
                unit = 10 * base
    ns = math.floor(lo / unit + eps)
    nu = math.ceil(hi / unit - eps)
    while ns * unit > lo + eps * unit:
        ns -= 1
    while nu * unit < hi - eps * unit:
        nu += 1
    k = math.floor(0.5 + nu - ns)
    if k < min_n:
        d = min_n - k
        half = math.floor(d / 2)
        rem = d - 2 * half
        if ns >= 0:
            nu += half
            ns -= half + rem
        else:
            ns -= half
            nu += half + rem
        k = min_n
    lo_v, hi_v = ns * unit, nu * unit
    steps = int(max(k, 1))
    by = (hi_v - lo_v) / steps
    out = []
    for i in range(steps + 1):
        v = lo_v + i * by
        out.append(0.0 if abs(v) < 1e-14 * by else v)
    return out


def nomogram_svg(card: dict, prediction: Optional[dict] = None, width: int = 640) -> str:
    """A simple rms-style nomogram (Points, one axis per predictor, Total points, probability)
    as SVG text, with the patient's values marked in red when ``prediction`` is given."""
    scale = NomogramScale(card)
    left, right = 190, width - 30
    span = right - left
    row = 46
    rows = ["Points"] + [a["label"] for a in scale.axes] + ["Total points", "Probability"]
    height = row * len(rows) + 30
    total_max = sum(max(a["points"]) for a in scale.axes) or 100.0
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]

    def axis(y, ticks):  # ticks: [(x_fraction, label)]
        xs = [left + f * span for f, _ in ticks]
        if xs:
            out.append(f'<line x1="{min(xs):.1f}" y1="{y}" x2="{max(xs):.1f}" y2="{y}" stroke="black"/>')
        for x, (_, lab) in zip(xs, ticks):
            out.append(f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y - 5}" stroke="black"/>')
            out.append(f'<text x="{x:.1f}" y="{y - 8}" text-anchor="middle">{_xml(lab)}</text>')

    def mark(y, frac):
        x = left + frac * span
        out.append(f'<circle cx="{x:.1f}" cy="{y}" r="5" fill="red" fill-opacity="0.8"/>')

    y = 30
    for i, name in enumerate(rows):
        out.append(f'<text x="10" y="{y + 4 + i * row}" font-weight="bold">{_xml(name)}</text>')
    axis(y, [(v / 100.0, _tick(v)) for v in range(0, 101, 10)])
    for i, a in enumerate(scale.axes, start=1):
        yy = y + i * row
        axis(yy, [(pt / 100.0, t) for pt, t in zip(a["points"], a["ticks"])])
        if prediction:
            term = next((t for t in prediction["terms"] if t["predictor"] == a["predictor"]), None)
            if term and math.isfinite(term["points"]):
                mark(yy, term["points"] / 100.0)
    yy = y + (len(scale.axes) + 1) * row
    tot_ticks = pretty(0, total_max, 8)
    axis(yy, [(v / tot_ticks[-1], _tick(v)) for v in tot_ticks])
    if prediction and math.isfinite(prediction["total_points"]):
        mark(yy, prediction["total_points"] / tot_ticks[-1])
    # Probability axis: positions of round probabilities on the total-points scale.
    yy += row
    probs = []
    for pr in (0.01, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99):
        lp = math.log(pr / (1 - pr))
        pts = (lp - scale.lp_at_zero) * scale.points_per_unit
        if 0 <= pts <= tot_ticks[-1]:
            probs.append((pts / tot_ticks[-1], _tick(pr)))
    axis(yy, probs)
    if prediction and math.isfinite(prediction["total_points"]):
        mark(yy, min(max(prediction["total_points"] / tot_ticks[-1], 0.0), 1.0))
    out.append("</svg>")
    return "\n".join(out)


def _xml(s: str) -> str:
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
