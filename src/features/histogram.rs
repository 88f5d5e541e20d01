//! Counting many cells fast: [`InterleavedHistogram`], shared by GLCM and GLRLM.

/// Four copies of a histogram; the i-th value of a batch counts into copy i mod 4.
///
/// Counting `h[c] += 1` for a stream of cells stalls when consecutive cells are equal (each
/// increment waits for the previous store to the same place), as in uniform regions or short
/// runs of one level. With the copies interleaved, equal neighbours land in different copies.
pub(crate) struct InterleavedHistogram {
    copies: [Vec<u32>; 4],
}

impl InterleavedHistogram {
    /// A histogram of `cells` cells, all 0.
    pub(crate) fn new(cells: usize) -> Self {
        InterleavedHistogram {
            copies: std::array::from_fn(|_| vec![0; cells]),
        }
    }

    /// Set every count back to 0.
    pub(crate) fn clear(&mut self) {
        self.copies.iter_mut().for_each(|h| h.fill(0));
    }

    /// Count one each of `cells` (every cell < the histogram's size).
    #[inline]
    pub(crate) fn count(&mut self, cells: &[u32]) {
        let [h0, h1, h2, h3] = &mut self.copies;
        let mut quads = cells.chunks_exact(4);
        for q in &mut quads {
            h0[q[0] as usize] += 1;
            h1[q[1] as usize] += 1;
            h2[q[2] as usize] += 1;
            h3[q[3] as usize] += 1;
        }
        for &c in quads.remainder() {
            h0[c as usize] += 1;
        }
    }

    /// The total count of each cell in `range` of cells, added to `out` (same length).
    pub(crate) fn add_to(&self, range: std::ops::Range<usize>, out: &mut [u32]) {
        for copy in &self.copies {
            for (o, &c) in out.iter_mut().zip(&copy[range.clone()]) {
                *o += c;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_every_cell_once_whatever_the_copy() {
        let mut h = InterleavedHistogram::new(5);
        h.count(&[1, 1, 1, 1, 1, 4, 0]);
        let mut out = vec![0; 5];
        h.add_to(0..5, &mut out);
        assert_eq!(out, [1, 5, 0, 0, 1]);
        h.clear();
        let mut out = vec![0; 2];
        h.add_to(3..5, &mut out);
        assert_eq!(out, [0, 0]);
    }
}
