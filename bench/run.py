"""Benchmark: radscore vs pyradiomics on the same files with the studies' 851-feature preset.

For each lesion size (15, 30, 50, 80 mm) the phantom generator writes a 512×512×60 CT and
its mask; then, each repeat in a new (seeded) order, radscore (whole process: read, resample,
filter, extract, write) runs with 1 thread and with all threads, and pyradiomics runs in a
fresh process that imports first and times only `extractor.execute()`. Peak memory is each
process's max RSS.

A cohort table then runs `radscore batch` over all the cases (each twice) with 1 thread and
with all threads: a lab's throughput, where cores take whole lesions (reading included).

A second table times the same extraction from memory, as the Slicer module and the C API run
it: both tools get the volumes already loaded (SimpleITK, untimed); radscore's time includes
copying the arrays in through the C API (`RadscoreLib.binding`), pyradiomics' is `execute()` on
the SimpleITK images. The C API copies the arrays in on the process's shared worker threads, so
the 1-thread run also sets RAYON_NUM_THREADS=1: one core for all of its work.

Usage: python bench/run.py [--repeats N] [--sizes 15,30,50,80]   (uses target/release/radscore,
target/release/libradscore.so and the oracle venv's python, see tests/run_all.sh; builds
nothing itself)
"""
import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RADSCORE = os.path.join(ROOT, "target", "release", "radscore")
PARAMS = os.path.join(ROOT, "bench", "surufatinib.yaml")

PYRADIOMICS_CHILD = r"""
import json, resource, sys, time
import radiomics
from radiomics import featureextractor
radiomics.setVerbosity(60)
ex = featureextractor.RadiomicsFeatureExtractor(sys.argv[3])
t = time.perf_counter()
r = ex.execute(sys.argv[1], sys.argv[2])
dt = time.perf_counter() - t
n = sum(1 for k in r if not k.startswith("diagnostics_"))
print(json.dumps({"seconds": dt, "features": n,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


IN_MEMORY_CHILD = r"""
import json, sys, time
import SimpleITK as sitk
sys.path.insert(0, sys.argv[4])
image, mask = sitk.ReadImage(sys.argv[1]), sitk.ReadImage(sys.argv[2])
if sys.argv[3] == "pyradiomics":
    import radiomics
    from radiomics import featureextractor
    radiomics.setVerbosity(60)
    ex = featureextractor.RadiomicsFeatureExtractor(sys.argv[5])
    t = time.perf_counter()
    r = ex.execute(image, mask)
    dt = time.perf_counter() - t
    n = sum(1 for k in r if not k.startswith("diagnostics_"))
else:
    from RadscoreLib import binding
    arr, labels = sitk.GetArrayViewFromImage(image), sitk.GetArrayViewFromImage(mask)
    geometry = (image.GetSpacing(), image.GetOrigin(), image.GetDirection())
    settings = binding.Settings.from_preset("surufatinib").set_threads(int(sys.argv[3]))
    t = time.perf_counter()
    r = binding.extract_arrays(arr, labels, *geometry, settings=settings)
    dt = time.perf_counter() - t
    n = len(r)
print(json.dumps({"seconds": dt, "features": n}))
"""


def run_in_memory(python, image, mask, tool):
    env = dict(os.environ, RADSCORE_LIBRARY=os.path.join(ROOT, "target", "release", "libradscore.so"))
    if tool == "1":
        # The copy into radscore runs on the process's shared pool, not the settings' threads.
        env["RAYON_NUM_THREADS"] = "1"
    proc = subprocess.run([python, "-c", IN_MEMORY_CHILD, image, mask, tool,
                           os.path.join(ROOT, "slicer_module", "Radscore"), PARAMS],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        sys.exit(f"in-memory run ({tool}) failed: {proc.stderr}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    return r["seconds"], r["features"]


def run_radscore(image, mask, threads):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        t = time.perf_counter()
        proc = subprocess.Popen(
            [RADSCORE, "extract", image, mask, "--preset", "surufatinib", "--format", "json",
             "--threads", str(threads), "--out", out.name],
            stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        dt = time.perf_counter() - t
        if status != 0:
            sys.exit(f"radscore failed: {proc.stderr.read().decode()}")
        n = len(json.load(open(out.name)))
    return dt, usage.ru_maxrss / 1024, n


def run_cohort(cases, threads, tmp):
    """Seconds for `radscore batch` over `cases` (image, mask) with `threads` threads."""
    cohort = os.path.join(tmp, "cohort.csv")
    with open(cohort, "w") as f:
        f.write("ID,Image,Mask\n")
        for i, (image, mask) in enumerate(cases):
            f.write(f"case{i},{image},{mask}\n")
    out = os.path.join(tmp, f"cohort-{threads}.csv")
    for stale in (out, out[:-4] + ".errors.csv"):
        if os.path.exists(stale):
            os.remove(stale)
    t = time.perf_counter()
    proc = subprocess.run([RADSCORE, "batch", cohort, "--preset", "surufatinib", "--threads", str(threads),
                           "--out", out], capture_output=True, text=True)
    dt = time.perf_counter() - t
    if proc.returncode != 0:
        sys.exit(f"radscore batch failed: {proc.stderr}")
    with open(out) as f:
        rows = sum(1 for _ in f) - 1
    if rows != len(cases):
        sys.exit(f"radscore batch wrote {rows} rows for {len(cases)} lesions: {proc.stderr}")
    return dt


def run_pyradiomics(python, image, mask):
    proc = subprocess.run([python, "-c", PYRADIOMICS_CHILD, image, mask, PARAMS], capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"pyradiomics failed: {proc.stderr}")
    r = json.loads(proc.stdout.strip().splitlines()[-1])
    return r["seconds"], r["max_rss_mb"], r["features"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--sizes", default="15,30,50,80")
    ap.add_argument("--python", default=os.environ.get("RADSCORE_PYTHON",
                                                      os.path.join(ROOT, "target", "oracle-venv", "bin", "python")))
    args = ap.parse_args()
    if not os.path.exists(RADSCORE):
        sys.exit("build first: cargo build --release")
    cores = os.cpu_count()
    order = random.Random(2026)  # the same orders in every run of the benchmark
    rows, memory_rows, cases = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for size in [float(s) for s in args.sizes.split(",")]:
            d = os.path.join(tmp, f"lesion{int(size)}")
            subprocess.run([RADSCORE, "phantom", "--out", d, "--lesion-mm", str(size), "--seed", str(int(size))],
                           check=True, capture_output=True)
            image, mask = os.path.join(d, "ct.nrrd"), os.path.join(d, "lesion_mask.nrrd")
            cases.append((image, mask))
            one, many, pyr, mem1, memn, mempy = [], [], [], [], [], []
            runs = [
                (one, lambda: run_radscore(image, mask, 1)),
                (many, lambda: run_radscore(image, mask, cores)),
                (pyr, lambda: run_pyradiomics(args.python, image, mask)),
                (mem1, lambda: run_in_memory(args.python, image, mask, "1")),
                (memn, lambda: run_in_memory(args.python, image, mask, str(cores))),
                (mempy, lambda: run_in_memory(args.python, image, mask, "pyradiomics")),
            ]
            # Every repeat runs each tool once, so drift hits them alike, in a new order: on a
            # VM that hands freed memory back to its host, a process started right after a large
            # one exits (pyradiomics frees ~400 MB) finds cold pages, and a fixed order would
            # always give that seat to the same run.
            for _ in range(args.repeats):
                for times, run in order.sample(runs, len(runs)):
                    times.append(run())
            voxels = subprocess.run([args.python, "-c",
                                     "import SimpleITK as s,sys;import numpy as n;"
                                     "print(int((s.GetArrayFromImage(s.ReadImage(sys.argv[1]))==1).sum()))", mask],
                                    capture_output=True, text=True).stdout.strip()
            med = lambda xs, i: statistics.median(x[i] for x in xs)
            rows.append((int(size), voxels, med(one, 0), med(many, 0), med(pyr, 0), med(one, 1), med(pyr, 1),
                         one[0][2], pyr[0][2]))
            memory_rows.append((int(size), voxels, med(mem1, 0), med(memn, 0), med(mempy, 0),
                                mem1[0][1], mempy[0][1]))
        cohort = cases + cases
        one_t, many_t = [], []
        for _ in range(args.repeats):
            one_t.append(run_cohort(cohort, 1, tmp))
            many_t.append(run_cohort(cohort, cores, tmp))
        pyr_sum = 2 * sum(r[4] for r in rows)
    print(f"\nradscore vs pyradiomics, 851-feature preset, median of {args.repeats} (machine: {cores} cores)")
    print(f"{'lesion':>7} {'ROI voxels':>10} {'radscore 1T':>12} {f'radscore {cores}T':>12} {'pyradiomics':>12}"
          f" {'ratio 1T':>9} {f'ratio {cores}T':>9} {'peak MB rs':>10} {'peak MB py':>10} {'features':>9}")
    ratios = []
    for size, vox, t1, tn, tp, m1, mp, n1, npyr in rows:
        ratios.append(tp / t1)
        print(f"{size:>5}mm {vox:>10} {t1:>11.3f}s {tn:>11.3f}s {tp:>11.3f}s {tp / t1:>8.1f}x {tp / tn:>8.1f}x"
              f" {m1:>10.0f} {mp:>10.0f} {n1:>4}/{npyr:<4}")
    print(f"median speed-up on one core: {statistics.median(ratios):.1f}x")
    t1, tn = statistics.median(one_t), statistics.median(many_t)
    print(f"\ncohort: `radscore batch` over {len(cohort)} lesions (each case twice), median of {args.repeats}")
    print(f"  1 thread {t1:.2f}s ({len(cohort) / t1:.1f} lesions/s), {cores} threads {tn:.2f}s"
          f" ({len(cohort) / tn:.1f} lesions/s): {t1 / tn:.2f}x from 1 to {cores} cores;"
          f" pyradiomics' execute() times above add up to {pyr_sum:.1f}s ({pyr_sum / t1:.1f}x the 1-thread batch)")
    print(f"\nfrom memory (volumes already loaded, as in Slicer and the C API), median of {args.repeats}")
    print(f"{'lesion':>7} {'ROI voxels':>10} {'radscore 1T':>12} {f'radscore {cores}T':>12} {'pyradiomics':>12}"
          f" {'ratio 1T':>9} {f'ratio {cores}T':>9} {'features':>9}")
    ratios = []
    for size, vox, t1, tn, tp, n1, npyr in memory_rows:
        ratios.append(tp / t1)
        print(f"{size:>5}mm {vox:>10} {t1:>11.3f}s {tn:>11.3f}s {tp:>11.3f}s {tp / t1:>8.1f}x {tp / tn:>8.1f}x"
              f" {n1:>4}/{npyr:<4}")
    print(f"median speed-up on one core: {statistics.median(ratios):.1f}x")


if __name__ == "__main__":
    main()
