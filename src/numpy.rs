//! numpy's floating-point reductions, reproduced operation for operation: pyradiomics computes
//! with numpy, and the order of a sum decides its last bits (and so, at a bin edge, a feature).
//!
//! Shared by the preprocessing filters and the feature classes; depends on nothing else.

use std::ops::{Add, Div, Mul, Sub};

/// The float types numpy reduces in their own precision (float32 stays float32).
pub trait Float:
    Copy + PartialOrd + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Div<Output = Self>
{
    /// numpy starts short sums at −0.0, so that a sum of −0.0 stays −0.0.
    const NEG_ZERO: Self;
    /// Machine epsilon (`numpy.finfo(dtype).eps`).
    const EPSILON: Self;
    /// Round a float64 to this type.
    fn from_f64(v: f64) -> Self;
    /// Widen to float64 (exact).
    fn to_f64(self) -> f64;
}

impl Float for f64 {
    const NEG_ZERO: Self = -0.0;
    const EPSILON: Self = f64::EPSILON;
    fn from_f64(v: f64) -> Self {
        v
    }
    fn to_f64(self) -> f64 {
        self
    }
}

impl Float for f32 {
    const NEG_ZERO: Self = -0.0;
    const EPSILON: Self = f32::EPSILON;
    fn from_f64(v: f64) -> Self {
        v as f32
    }
    fn to_f64(self) -> f64 {
        f64::from(self)
    }
}

/// numpy's pairwise summation (`pairwise_sum` in its add loop): sequential below 8 values,
/// eight interleaved accumulators up to 128, halves (cut at a multiple of 8) above.
pub fn pairwise_sum<T: Float>(values: &[T]) -> T {
    pairwise_sum_by(values, |v| v)
}

/// [`pairwise_sum`] of `f(v)`, with `f` applied on the fly (numpy applies it to a temporary
/// array first; the sum is the same).
pub fn pairwise_sum_by<T: Float>(values: &[T], f: impl Fn(T) -> T + Copy) -> T {
    let [sum] = pairwise_sums_by(values, |v| [f(v)]);
    sum
}

/// Several [`pairwise_sum_by`]s in one pass: sum `k` adds the `k`-th output of `f`, in exactly
/// the order its own pairwise sum would (same blocks, same eight accumulators), so each result
/// is bit for bit the separate sum's while the values are read once.
pub fn pairwise_sums_by<T: Float, const K: usize>(values: &[T], f: impl Fn(T) -> [T; K] + Copy) -> [T; K] {
    const BLOCK: usize = 128;
    let add = |sum: &mut [T; K], terms: [T; K]| {
        for (s, t) in sum.iter_mut().zip(terms) {
            *s = *s + t;
        }
    };
    let n = values.len();
    if n < 8 {
        let mut sum = [T::NEG_ZERO; K];
        for &v in values {
            add(&mut sum, f(v));
        }
        sum
    } else if n <= BLOCK {
        let mut acc = [[T::NEG_ZERO; K]; 8];
        for (a, &v) in acc.iter_mut().zip(values) {
            *a = f(v);
        }
        let whole = n - n % 8;
        for chunk in values[8..whole].chunks_exact(8) {
            for (a, &v) in acc.iter_mut().zip(chunk) {
                add(a, f(v));
            }
        }
        let mut sum: [T; K] = std::array::from_fn(|k| {
            ((acc[0][k] + acc[1][k]) + (acc[2][k] + acc[3][k])) + ((acc[4][k] + acc[5][k]) + (acc[6][k] + acc[7][k]))
        });
        for &v in &values[whole..] {
            add(&mut sum, f(v));
        }
        sum
    } else {
        let half = n / 2;
        let half = half - half % 8;
        let (left, right) = values.split_at(half);
        let (l, r) = (pairwise_sums_by(left, f), pairwise_sums_by(right, f));
        std::array::from_fn(|k| l[k] + r[k])
    }
}

/// numpy 2's `add.reduce` over one contiguous axis (a mean or a weighted merge over the
/// GLCM/GLRLM angles): the result starts at the identity 0.0 and adds the pairwise sum of all
/// the values, the first one included.
pub fn add_reduce(values: &[f64]) -> f64 {
    0.0 + pairwise_sum(values)
}

/// Real part of numpy's principal square root of re + i·im.
pub fn complex_sqrt_re(re: f64, im: f64) -> f64 {
    let modulus = re.hypot(im);
    if re >= 0.0 {
        ((modulus + re) / 2.0).sqrt()
    } else {
        let t = ((modulus - re) / 2.0).sqrt();
        if t == 0.0 { 0.0 } else { im.abs() / (2.0 * t) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_of_integers_are_exact_in_every_regime() {
        for n in [0usize, 5, 8, 100, 128, 129, 300, 1000] {
            let v: Vec<f64> = (1..=n).map(|i| i as f64).collect();
            assert_eq!(pairwise_sum(&v), (n * (n + 1) / 2) as f64, "n = {n}");
            let w: Vec<f32> = (1..=n.min(100)).map(|i| i as f32).collect();
            let m = w.len();
            assert_eq!(pairwise_sum(&w), (m * (m + 1) / 2) as f32);
        }
        assert_eq!(add_reduce(&[]), 0.0);
        assert_eq!(add_reduce(&[1.0, 2.0, 3.0]), 6.0);
    }

    /// numpy 2.4.6: `numpy.mean(x.reshape(1, 13), 1)` of these values prints
    /// 196.94903536776792; seeding the sum with the first value would give 196.9490353677679.
    #[test]
    fn add_reduce_is_numpy_2s_mean_sum() {
        let x = [
            0.5002261893487459,
            958.5822861092472,
            0.0003499373998222548,
            0.22377114677821597,
            522.0870022114476,
            0.0006411709239650282,
            0.9391070534240088,
            582.0158006470458,
            0.00026783339029158847,
            0.9297746953080669,
            491.72528461247657,
            0.0006758008649335259,
            3.3322723733278137,
        ];
        assert_eq!(add_reduce(&x) / 13.0, 196.94903536776792);
    }

    #[test]
    fn negative_zero_survives_a_short_sum() {
        assert!(pairwise_sum(&[-0.0f64, -0.0]).is_sign_negative());
        assert!(pairwise_sum::<f64>(&[]).is_sign_negative());
    }

    #[test]
    fn blocking_changes_the_rounding_as_numpy_does() {
        // 1e16 then fifteen 1.0s (the spacing at 1e16 is 2): added in sequence every 1.0 is
        // lost; numpy's accumulators lose only the one added to 1e16 (a tie, to even) and add
        // the other fourteen to each other first.
        let mut v = vec![1.0e16];
        v.extend(std::iter::repeat_n(1.0, 15));
        assert_eq!(v.iter().fold(-0.0, |s, x| s + x), 1.0e16);
        assert_eq!(pairwise_sum(&v), 1.0e16 + 14.0);
    }

    #[test]
    fn complex_sqrt_real_part() {
        assert_eq!(complex_sqrt_re(4.0, 0.0), 2.0);
        assert_eq!(complex_sqrt_re(-4.0, 0.0), 0.0);
        assert!((complex_sqrt_re(3.0, 4.0) - 2.0).abs() < 1e-15);
        assert!((complex_sqrt_re(-3.0, 4.0) - 1.0).abs() < 1e-15);
    }
}
