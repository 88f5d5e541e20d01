//! Neighbour offsets ("angles") as pyradiomics' C extension generates them.
//!
//! Offsets are `(dz, dy, dx)`. They are enumerated with each component running from
//! `+max_distance` down to `-max_distance`, z slowest, x fastest; an offset is kept if it is
//! not the zero offset, fits in the cropped array (`|o| < size` per axis), does not move along
//! the forced-2D axis, and its Chebyshev length is one of `distances`. The unidirectional set
//! (GLCM, GLRLM) is the first half of the bidirectional one (GLSZM, GLDM, NGTDM).
//! A distance listed twice yields its offsets twice, as in pyradiomics.

/// Generate the offsets for an array of `shape` (z, y, x).
///
/// `force2d_dimension` is the numpy axis excluded from the offsets, if any.
pub fn angles(
    shape: [usize; 3],
    distances: &[usize],
    bidirectional: bool,
    force2d_dimension: Option<usize>,
) -> Vec<[isize; 3]> {
    let size = [shape[0] as isize, shape[1] as isize, shape[2] as isize];
    if distances.is_empty() || distances.iter().any(|&d| d < 1) {
        return Vec::new();
    }
    // Expected count: per distance (2d+1)^n − (2d−1)^n, limited by the array size.
    let mut count: isize = 0;
    for &d in distances {
        let d = d as isize;
        let (mut full, mut inner) = (1isize, 1isize);
        for (axis, &s) in size.iter().enumerate() {
            if Some(axis) == force2d_dimension {
                continue;
            }
            if d < s {
                full *= 2 * d + 1;
                inner *= 2 * d - 1;
            } else {
                full *= 2 * (s - 1) + 1;
                inner *= 2 * (s - 1) + 1;
            }
        }
        count += full - inner;
    }
    if !bidirectional {
        count /= 2;
    }
    let max_d = *distances.iter().max().unwrap_or(&1) as isize;
    let n_offsets = 2 * max_d + 1;
    let stride = [n_offsets * n_offsets, n_offsets, 1];
    let mut out = Vec::with_capacity(count.max(0) as usize);
    // pyradiomics loops over the candidate space until `count` offsets are found. With distinct
    // distances one pass finds exactly `count`; a repeated distance (e.g. [1, 1]) counts twice,
    // so pyradiomics wraps around and emits offsets again: reproduce that (its index wraps per
    // axis through the modulo), stopping only if a whole pass finds nothing.
    let total = n_offsets * n_offsets * n_offsets;
    let mut candidate = 0isize;
    let mut found_in_pass = false;
    while (out.len() as isize) < count {
        if candidate == total {
            if !found_in_pass {
                break;
            }
            candidate = 0;
            found_in_pass = false;
        }
        let mut offset = [0isize; 3];
        let mut dist = 0isize;
        let mut valid = true;
        for axis in 0..3 {
            let o = max_d - (candidate / stride[axis]) % n_offsets;
            if (Some(axis) == force2d_dimension && o != 0) || o >= size[axis] || o <= -size[axis] {
                valid = false;
                break;
            }
            offset[axis] = o;
            dist = dist.max(o.abs());
        }
        candidate += 1;
        if valid && dist >= 1 && distances.iter().any(|&d| d as isize == dist) {
            out.push(offset);
            found_in_pass = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirteen_and_twenty_six() {
        // Counts and first offsets as documented in pyradiomics' cmatrices.c.
        let uni = angles([5, 5, 5], &[1], false, None);
        assert_eq!(uni.len(), 13);
        assert_eq!(uni[0], [1, 1, 1]);
        assert_eq!(uni[1], [1, 1, 0]);
        assert_eq!(uni[2], [1, 1, -1]);
        assert_eq!(uni[12], [0, 0, 1]);
        let bi = angles([5, 5, 5], &[1], true, None);
        assert_eq!(bi.len(), 26);
        assert_eq!(bi[25], [-1, -1, -1]);
    }

    #[test]
    fn single_slice_has_in_plane_angles_only() {
        assert_eq!(angles([1, 9, 9], &[1], false, None).len(), 4);
        assert_eq!(angles([1, 9, 9], &[1], true, None).len(), 8);
        assert_eq!(angles([7, 9, 9], &[1], false, Some(0)).len(), 4);
    }
}
