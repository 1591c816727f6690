//! A tiny hand-written PNG encoder for the simulated 「联系我」 QR images.
//!
//! The image is a black/white module grid derived from the config id (it is not a scannable QR
//! code, only a stable picture per id). 8-bit grayscale, zlib with stored (uncompressed) deflate
//! blocks, CRC-32 and Adler-32 computed here.

/// Modules per side (like a version-2 QR code), plus a 2-module quiet zone each side.
const MODULES: usize = 25;
const QUIET: usize = 2;
/// Pixels per module.
const SCALE: usize = 6;

/// A PNG picture for `config_id`.
pub(crate) fn qr_png(config_id: &str) -> Vec<u8> {
    let grid = module_grid(config_id);
    let side = (MODULES + 2 * QUIET) * SCALE;
    let mut pixels = vec![255u8; side * side];
    for (y, row) in grid.iter().enumerate() {
        for (x, dark) in row.iter().enumerate() {
            if !dark {
                continue;
            }
            for dy in 0..SCALE {
                let py = (y + QUIET) * SCALE + dy;
                let start = py * side + (x + QUIET) * SCALE;
                if let Some(run) = pixels.get_mut(start..start + SCALE) {
                    run.fill(0);
                }
            }
        }
    }
    let side32 = u32::try_from(side).unwrap_or(u32::MAX);
    encode_gray(side32, side32, &pixels)
}

/// Finder patterns in three corners, the rest pseudo-random bits seeded by the id.
fn module_grid(config_id: &str) -> Vec<Vec<bool>> {
    // FNV-1a seed, then xorshift64.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in config_id.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut x = h | 1;
    let mut next_bit = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x & 1 == 1
    };
    let mut grid = vec![vec![false; MODULES]; MODULES];
    for (y, row) in grid.iter_mut().enumerate() {
        for (xx, cell) in row.iter_mut().enumerate() {
            *cell = match finder(xx, y) {
                Some(v) => v,
                None => next_bit(),
            };
        }
    }
    grid
}

/// The module value inside a finder pattern (with its separator), if (x, y) is in one.
fn finder(x: usize, y: usize) -> Option<bool> {
    let far = (MODULES - 7) as isize;
    let (x, y) = (x as isize, y as isize);
    for (ox, oy) in [(0, 0), (far, 0), (0, far)] {
        let (dx, dy) = (x - ox, y - oy);
        if (-1..=7).contains(&dx) && (-1..=7).contains(&dy) {
            if (0..7).contains(&dx) && (0..7).contains(&dy) {
                let ring = dx.min(dy).min(6 - dx).min(6 - dy);
                return Some(ring != 1);
            }
            return Some(false);
        }
    }
    None
}

/// An 8-bit grayscale PNG of `width` × `height` pixels (row-major, one byte each).
pub(crate) fn encode_gray(width: u32, height: u32, pixels: &[u8]) -> Vec<u8> {
    let w = width as usize;
    let mut raw = Vec::with_capacity((w + 1) * height as usize);
    for row in pixels.chunks(w.max(1)).take(height as usize) {
        raw.push(0); // filter type: None
        raw.extend_from_slice(row);
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // bit depth 8, color type 0 (grayscale), deflate, filter method 0, no interlace.
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(out.get(start..).unwrap_or_default());
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A zlib stream of stored deflate blocks (no compression).
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    // CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (check bits: 0x7801 % 31 == 0).
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(u16::MAX as usize).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        let last = blocks.peek().is_none();
        out.push(u8::from(last));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

pub(crate) fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

pub(crate) fn adler32(data: &[u8]) -> u32 {
    const MOD: u32 = 65_521;
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % MOD;
        b = (b + a) % MOD;
    }
    (b << 16) | a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksums_match_known_values() {
        assert_eq!(crc32(b"IEND"), 0xae42_6082);
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(adler32(b"Wikipedia"), 0x11e6_0398);
    }

    #[test]
    fn png_has_signature_header_and_end() {
        let png = qr_png("0123456789abcdef0123456789abcdef");
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        assert_eq!(png.get(12..16), Some(&b"IHDR"[..]));
        assert!(png.ends_with(&[0xae, 0x42, 0x60, 0x82]));
        // Different ids give different pictures; the same id the same one.
        assert_ne!(png, qr_png("ffffffffffffffffffffffffffffffff"));
        assert_eq!(png, qr_png("0123456789abcdef0123456789abcdef"));
    }

    #[test]
    fn stored_blocks_split_at_64_kib() {
        let data = vec![7u8; 70_000];
        let z = zlib_stored(&data);
        // header 2 + two block headers of 5 + data + adler 4
        assert_eq!(z.len(), 2 + 5 + 5 + 70_000 + 4);
        assert_eq!(z.get(2), Some(&0));
        assert!(zlib_stored(&[]).len() == 2 + 5 + 4);
    }
}
