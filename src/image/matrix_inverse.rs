//! The inverse of a 3×3 matrix exactly as ITK 5.4 computes it (`itk::Matrix::GetInverse`, which
//! SimpleITK and so pyradiomics use for every image's physical-point-to-index matrix): the
//! pseudo-inverse `V · W⁻¹ · Uᵀ` of LINPACK's singular value decomposition (`dsvdc`, through
//! vnl's `vnl_svd`), with the reference BLAS kernels it calls.
//!
//! Why not a plain inverse: for an axis-aligned direction both agree exactly, but for an
//! oblique one they differ in the last bit, and resampling grids place voxel centres exactly
//! half-way between input voxels (1 mm from 0.7 mm every seventh voxel), where nearest
//! neighbour then rounds the other way. Every operation below is in LINPACK's order so that
//! continuous indices agree with ITK's bit for bit.

const N: usize = 3;
/// Room for 1-based indices 1..=N (LINPACK's numbering, kept so the algorithm reads as
/// published).
const M1: usize = N + 2;

/// Column-major with 1-based indices: `a[j][i]` is row i, column j.
type Columns = [[f64; M1]; M1];

/// ITK's `GetInverse` of a row-major 3×3 matrix; `None` where ITK throws (determinant 0) or
/// the matrix is not finite.
pub(crate) fn itk_matrix_inverse(m: &[f64; 9]) -> Option<[f64; 9]> {
    if m.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let det = nalgebra::Matrix3::from_row_slice(m).determinant();
    if det == 0.0 || !det.is_finite() {
        return None;
    }
    let mut x: Columns = [[0.0; M1]; M1];
    for i in 0..N {
        for j in 0..N {
            x[j + 1][i + 1] = m[3 * i + j];
        }
    }
    let svd = linpack_svd(x)?;
    // vnl_svd: W = |s|, W⁻¹ = 1/W where W > 0 (zero_out_absolute(0)), rank = the non-zero ones.
    let mut w_inverse = [0.0; N];
    for (wi, s) in w_inverse.iter_mut().zip(&svd.s[1..=N]) {
        let w = s.abs();
        *wi = if w <= 0.0 { 0.0 } else { 1.0 / w };
    }
    // pinverse: (V · diag(W⁻¹)) · Uᵀ, each product a plain sum from zero in index order.
    let v = |i: usize, j: usize| svd.v[j + 1][i + 1];
    let u = |i: usize, j: usize| svd.u[j + 1][i + 1];
    let mut vw = [[0.0; N]; N];
    for (i, row) in vw.iter_mut().enumerate() {
        for (k, cell) in row.iter_mut().enumerate() {
            let mut sum = 0.0;
            for (j, &wi) in w_inverse.iter().enumerate() {
                sum += v(i, j) * if j == k { wi } else { 0.0 };
            }
            *cell = sum;
        }
    }
    let mut out = [0.0; 9];
    for i in 0..N {
        for k in 0..N {
            let mut sum = 0.0;
            for (j, &a) in vw[i].iter().enumerate() {
                sum += a * u(k, j);
            }
            out[3 * i + k] = sum;
        }
    }
    Some(out)
}

struct Svd {
    /// Singular values, s[1..=N].
    s: [f64; M1],
    u: Columns,
    v: Columns,
}

/// `dsvdc` with job 21 (left vectors for min(n, p) values, right vectors) on a square N×N
/// matrix; `None` if it does not converge (LINPACK's info ≠ 0).
fn linpack_svd(mut x: Columns) -> Option<Svd> {
    let (n, p) = (N, N);
    let mut s = [0.0; M1];
    let mut e = [0.0; M1];
    let mut work = [0.0; M1];
    let mut u: Columns = [[0.0; M1]; M1];
    let mut v: Columns = [[0.0; M1]; M1];
    let ncu = n.min(p);

    // Householder reduction to bidiagonal form: diagonal in s, super-diagonal in e.
    let nct = (n - 1).min(p);
    let nrt = p.saturating_sub(2).min(n);
    let lu = nct.max(nrt);
    for l in 1..=lu {
        let lp1 = l + 1;
        if l <= nct {
            s[l] = nrm2(&x[l][l..=n]);
            if s[l] != 0.0 {
                if x[l][l] != 0.0 {
                    s[l] = sign(s[l], x[l][l]);
                }
                scal(1.0 / s[l], &mut x[l][l..=n]);
                x[l][l] += 1.0;
            }
            s[l] = -s[l];
        }
        for j in lp1..=p {
            if l <= nct && s[l] != 0.0 {
                let t = -dot(&x[l][l..=n], &x[j][l..=n]) / x[l][l];
                let (col_l, col_j) = two_columns(&mut x, l, j);
                axpy(t, &col_l[l..=n], &mut col_j[l..=n]);
            }
            e[j] = x[j][l];
        }
        if l <= nct {
            u[l][l..=n].copy_from_slice(&x[l][l..=n]);
        }
        if l <= nrt {
            e[l] = nrm2(&e[lp1..=p]);
            if e[l] != 0.0 {
                if e[lp1] != 0.0 {
                    e[l] = sign(e[l], e[lp1]);
                }
                let factor = 1.0 / e[l];
                scal(factor, &mut e[lp1..=p]);
                e[lp1] += 1.0;
            }
            e[l] = -e[l];
            if lp1 <= n && e[l] != 0.0 {
                work[lp1..=n].fill(0.0);
                for j in lp1..=p {
                    axpy(e[j], &x[j][lp1..=n], &mut work[lp1..=n]);
                }
                for j in lp1..=p {
                    axpy(-e[j] / e[lp1], &work[lp1..=n], &mut x[j][lp1..=n]);
                }
            }
            v[l][lp1..=p].copy_from_slice(&e[lp1..=p]);
        }
    }

    // The final bidiagonal matrix of order m.
    let mut m = p.min(n + 1);
    let (nctp1, nrtp1) = (nct + 1, nrt + 1);
    if nct < p {
        s[nctp1] = x[nctp1][nctp1];
    }
    if n < m {
        s[m] = 0.0;
    }
    if nrtp1 < m {
        e[nrtp1] = x[m][nrtp1];
    }
    e[m] = 0.0;

    // Left vectors: back-multiply the column transformations.
    for (j, column) in u.iter_mut().enumerate().take(ncu + 1).skip(nctp1) {
        column[1..=n].fill(0.0);
        column[j] = 1.0;
    }
    for l in (1..=nct).rev() {
        if s[l] != 0.0 {
            for j in l + 1..=ncu {
                let t = -dot(&u[l][l..=n], &u[j][l..=n]) / u[l][l];
                let (col_l, col_j) = two_columns(&mut u, l, j);
                axpy(t, &col_l[l..=n], &mut col_j[l..=n]);
            }
            scal(-1.0, &mut u[l][l..=n]);
            u[l][l] += 1.0;
            u[l][1..l].fill(0.0);
        } else {
            u[l][1..=n].fill(0.0);
            u[l][l] = 1.0;
        }
    }
    // Right vectors: back-multiply the row transformations.
    for l in (1..=p).rev() {
        let lp1 = l + 1;
        if l <= nrt && e[l] != 0.0 {
            for j in lp1..=p {
                let t = -dot(&v[l][lp1..=p], &v[j][lp1..=p]) / v[l][lp1];
                let (col_l, col_j) = two_columns(&mut v, l, j);
                axpy(t, &col_l[lp1..=p], &mut col_j[lp1..=p]);
            }
        }
        v[l][1..=p].fill(0.0);
        v[l][l] = 1.0;
    }

    // QR iterations on the bidiagonal matrix until every singular value is found.
    let mm = m;
    let mut iterations = 0;
    const MAX_ITERATIONS: usize = 1000;
    while m > 0 {
        if iterations >= MAX_ITERATIONS {
            return None;
        }
        // Negligible elements decide the case: 1 = s(m) and e(l−1) negligible, 2 = s(l)
        // negligible, 3 = a QR step, 4 = convergence of s(m).
        let mut l = 0;
        for ll in 1..=m {
            l = m - ll;
            if l == 0 {
                break;
            }
            let test = s[l].abs() + s[l + 1].abs();
            if test + e[l].abs() == test {
                e[l] = 0.0;
                break;
            }
        }
        let case;
        if l == m - 1 {
            case = 4;
        } else {
            let mut ls = l;
            for lls in l + 1..=m + 1 {
                ls = m + l + 1 - lls;
                if ls == l {
                    break;
                }
                let mut test = 0.0;
                if ls != m {
                    test += e[ls].abs();
                }
                if ls != l + 1 {
                    test += e[ls - 1].abs();
                }
                if test + s[ls].abs() == test {
                    s[ls] = 0.0;
                    break;
                }
            }
            if ls == l {
                case = 3;
            } else if ls == m {
                case = 1;
            } else {
                case = 2;
                l = ls;
            }
        }
        l += 1;
        match case {
            1 => {
                // Deflate a negligible s(m).
                let mut f = e[m - 1];
                e[m - 1] = 0.0;
                for k in (l..m).rev() {
                    let (r, z, cs, sn) = rotg(s[k], f);
                    s[k] = r;
                    f = z;
                    if k != l {
                        f = -sn * e[k - 1];
                        e[k - 1] *= cs;
                    }
                    let (vk, vm) = two_columns(&mut v, k, m);
                    rot(&mut vk[1..=p], &mut vm[1..=p], cs, sn);
                }
            }
            2 => {
                // Split at a negligible s(l).
                let mut f = e[l - 1];
                e[l - 1] = 0.0;
                for k in l..=m {
                    let (r, _, cs, sn) = rotg(s[k], f);
                    s[k] = r;
                    f = -sn * e[k];
                    e[k] *= cs;
                    let (uk, ul) = two_columns(&mut u, k, l - 1);
                    rot(&mut uk[1..=n], &mut ul[1..=n], cs, sn);
                }
            }
            3 => {
                // One QR step with the shift from the trailing 2×2 block.
                let scale = max(
                    max(max(max(s[m].abs(), s[m - 1].abs()), e[m - 1].abs()), s[l].abs()),
                    e[l].abs(),
                );
                let sm = s[m] / scale;
                let smm1 = s[m - 1] / scale;
                let emm1 = e[m - 1] / scale;
                let sl = s[l] / scale;
                let el = e[l] / scale;
                let b = ((smm1 + sm) * (smm1 - sm) + emm1 * emm1) / 2.0;
                let c = (sm * emm1) * (sm * emm1);
                let mut shift = 0.0;
                if !(b == 0.0 && c == 0.0) {
                    shift = (b * b + c).sqrt();
                    if b < 0.0 {
                        shift = -shift;
                    }
                    shift = c / (b + shift);
                }
                let mut f = (sl + sm) * (sl - sm) + shift;
                let mut g = sl * el;
                for k in l..m {
                    let (r, _, cs, sn) = rotg(f, g);
                    if k != l {
                        e[k - 1] = r;
                    }
                    f = cs * s[k] + sn * e[k];
                    e[k] = cs * e[k] - sn * s[k];
                    g = sn * s[k + 1];
                    s[k + 1] *= cs;
                    let (vk, vk1) = two_columns(&mut v, k, k + 1);
                    rot(&mut vk[1..=p], &mut vk1[1..=p], cs, sn);
                    let (r, _, cs, sn) = rotg(f, g);
                    s[k] = r;
                    f = cs * e[k] + sn * s[k + 1];
                    s[k + 1] = -sn * e[k] + cs * s[k + 1];
                    g = sn * e[k + 1];
                    e[k + 1] *= cs;
                    if k < n {
                        let (uk, uk1) = two_columns(&mut u, k, k + 1);
                        rot(&mut uk[1..=n], &mut uk1[1..=n], cs, sn);
                    }
                }
                e[m - 1] = f;
                iterations += 1;
            }
            _ => {
                // Convergence: make s(l) positive, then move it into descending order.
                if s[l] < 0.0 {
                    s[l] = -s[l];
                    scal(-1.0, &mut v[l][1..=p]);
                }
                while l != mm && s[l] < s[l + 1] {
                    s.swap(l, l + 1);
                    if l < p {
                        v.swap(l, l + 1);
                    }
                    if l < n {
                        u.swap(l, l + 1);
                    }
                    l += 1;
                }
                iterations = 0;
                m -= 1;
            }
        }
    }
    Some(Svd { s, u, v })
}

/// Two different columns of one matrix, both mutable.
fn two_columns(a: &mut Columns, j: usize, k: usize) -> (&mut [f64; M1], &mut [f64; M1]) {
    assert_ne!(j, k, "two_columns needs two different columns");
    if j < k {
        let (left, right) = a.split_at_mut(k);
        (&mut left[j], &mut right[0])
    } else {
        let (left, right) = a.split_at_mut(j);
        (&mut right[0], &mut left[k])
    }
}

/// Fortran's `max` as f2c writes it: `a >= b ? a : b`.
fn max(a: f64, b: f64) -> f64 {
    if a >= b { a } else { b }
}

/// Fortran's `dsign(a, b)`: |a| with the sign of b (b = −0 counts as positive).
fn sign(a: f64, b: f64) -> f64 {
    if b >= 0.0 { a.abs() } else { -a.abs() }
}

/// Reference BLAS `dnrm2` (scaled sum of squares, so no intermediate overflows).
fn nrm2(x: &[f64]) -> f64 {
    match x.len() {
        0 => 0.0,
        1 => x[0].abs(),
        _ => {
            let (mut scale, mut ssq) = (0.0f64, 1.0f64);
            for &xi in x {
                if xi != 0.0 {
                    let a = xi.abs();
                    if scale < a {
                        let r = scale / a;
                        ssq = ssq * (r * r) + 1.0;
                        scale = a;
                    } else {
                        let r = a / scale;
                        ssq += r * r;
                    }
                }
            }
            scale * ssq.sqrt()
        }
    }
}

/// Reference BLAS `ddot` for fewer than five elements: one running sum from zero.
fn dot(x: &[f64], y: &[f64]) -> f64 {
    let mut sum = 0.0;
    for (a, b) in x.iter().zip(y) {
        sum += a * b;
    }
    sum
}

/// Reference BLAS `daxpy`: y += a·x (nothing when a is 0).
fn axpy(a: f64, x: &[f64], y: &mut [f64]) {
    if a == 0.0 {
        return;
    }
    for (yi, xi) in y.iter_mut().zip(x) {
        *yi += a * xi;
    }
}

/// Reference BLAS `dscal`: x = a·x.
fn scal(a: f64, x: &mut [f64]) {
    for xi in x {
        *xi *= a;
    }
}

/// Reference BLAS `drot`: the plane rotation (c, s) applied to the pairs (x, y).
fn rot(x: &mut [f64], y: &mut [f64], c: f64, s: f64) {
    for (xi, yi) in x.iter_mut().zip(y.iter_mut()) {
        let t = c * *xi + s * *yi;
        *yi = c * *yi - s * *xi;
        *xi = t;
    }
}

/// Reference BLAS `drotg` (the 1978 version LINPACK ships): the rotation that zeroes b against
/// a. Returns (r, z, c, s), r and z being what it leaves in a and b.
fn rotg(a: f64, b: f64) -> (f64, f64, f64, f64) {
    let roe = if a.abs() > b.abs() { a } else { b };
    let scale = a.abs() + b.abs();
    if scale == 0.0 {
        return (0.0, 0.0, 1.0, 0.0);
    }
    let (ra, rb) = (a / scale, b / scale);
    let r = sign(1.0, roe) * (scale * (ra * ra + rb * rb).sqrt());
    let c = a / r;
    let s = b / r;
    let mut z = 1.0;
    if a.abs() > b.abs() {
        z = s;
    }
    if b.abs() >= a.abs() && c != 0.0 {
        z = 1.0 / c;
    }
    (r, z, c, s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverts_axis_aligned_matrices_exactly() {
        let m = [0.7, 0.0, 0.0, 0.0, -0.7, 0.0, 0.0, 0.0, 5.0];
        let inv = itk_matrix_inverse(&m).unwrap();
        assert_eq!(inv, [1.0 / 0.7, 0.0, 0.0, 0.0, -1.0 / 0.7, 0.0, 0.0, 0.0, 0.2]);
    }

    /// SimpleITK 2.5.7 (ITK 5.4): `TransformPhysicalPointToContinuousIndex` of the unit vectors
    /// for an image with this direction (17° about z) and spacing (0.7, 0.7, 5) gives the
    /// columns below. A plain inverse gets [0][0] one ulp lower and [1][1] one ulp higher.
    #[test]
    fn matches_simpleitk_on_a_rotation() {
        let (c, s) = (0.9563047559630354, 0.29237170472273677);
        let m = [c * 0.7, -s * 0.7, 0.0, s * 0.7, c * 0.7, 0.0, 0.0, 0.0, 5.0];
        let expected = [
            1.3661496513757652,
            0.41767386388962396,
            0.0,
            -0.41767386388962396,
            1.366149651375765,
            0.0,
            0.0,
            0.0,
            0.2,
        ];
        assert_eq!(itk_matrix_inverse(&m).unwrap(), expected);
    }

    #[test]
    fn inverts_oblique_matrices() {
        let (c, s) = (0.3f64.cos(), 0.3f64.sin());
        let m = [c * 0.8, -s * 1.1, 0.0, s * 0.8, c * 1.1, 0.0, 0.0, 0.0, 2.5];
        let inv = itk_matrix_inverse(&m).unwrap();
        for i in 0..3 {
            for j in 0..3 {
                let p: f64 = (0..3).map(|k| m[3 * i + k] * inv[3 * k + j]).sum();
                assert!((p - f64::from(u8::from(i == j))).abs() < 1e-14, "({i},{j}) {p}");
            }
        }
    }

    #[test]
    fn singular_and_non_finite_matrices_have_no_inverse() {
        assert!(itk_matrix_inverse(&[1.0, 2.0, 3.0, 2.0, 4.0, 6.0, 0.0, 0.0, 1.0]).is_none());
        assert!(itk_matrix_inverse(&[f64::NAN, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]).is_none());
    }
}
