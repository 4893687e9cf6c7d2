//! DEFLATE block statistics of a payload: how many packets are one block, and block kinds.
//! The only EZIP vector is a single dynamic-Huffman block, so this shows how far our packets
//! stray from what the engine is proven on.

/// Counts of packets and blocks.
#[derive(Default)]
pub struct Stats {
    pub packets: usize,
    pub single_block_packets: usize,
    pub stored: usize,
    pub fixed: usize,
    pub dynamic: usize,
}

struct Bits<'a> {
    data: &'a [u8],
    pos: usize, // in bits
}

impl Bits<'_> {
    fn bit(&mut self) -> u32 {
        let b = (self.data[self.pos / 8] >> (self.pos % 8)) & 1;
        self.pos += 1;
        u32::from(b)
    }
    fn bits(&mut self, n: u32) -> u32 {
        (0..n).fold(0, |acc, i| acc | (self.bit() << i))
    }
}

/// Canonical Huffman decoder: counts per length and symbols in code order.
struct Huffman {
    counts: [u16; 16],
    symbols: Vec<u16>,
}

impl Huffman {
    fn new(lengths: &[u8]) -> Self {
        let mut counts = [0u16; 16];
        for &l in lengths {
            counts[l as usize] += 1;
        }
        counts[0] = 0;
        let mut offs = [0u16; 16];
        for l in 1..16 {
            offs[l] = offs[l - 1] + counts[l - 1];
        }
        let mut symbols = vec![0u16; lengths.len()];
        for (s, &l) in lengths.iter().enumerate() {
            if l != 0 {
                symbols[offs[l as usize] as usize] = s as u16;
                offs[l as usize] += 1;
            }
        }
        Huffman { counts, symbols }
    }
    fn decode(&self, b: &mut Bits) -> u16 {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= b.bit() as i32;
            let count = i32::from(self.counts[len]);
            if code - count < first {
                return self.symbols[(index + (code - first)) as usize];
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        panic!("bad Huffman code");
    }
}

const LEN_EXTRA: [u32; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_EXTRA: [u32; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];

fn skip_symbols(b: &mut Bits, lit: &Huffman, dist: &Huffman) {
    loop {
        let s = lit.decode(b);
        if s == 256 {
            return;
        }
        if s > 256 {
            b.bits(LEN_EXTRA[(s - 257) as usize]);
            let d = dist.decode(b);
            b.bits(DIST_EXTRA[d as usize]);
        }
    }
}

/// Walks the blocks of one raw DEFLATE stream; returns the number of blocks.
fn walk(data: &[u8], st: &mut Stats) -> usize {
    let mut b = Bits { data, pos: 0 };
    let mut n = 0;
    loop {
        let last = b.bit() == 1;
        n += 1;
        match b.bits(2) {
            0 => {
                st.stored += 1;
                b.pos = b.pos.div_ceil(8) * 8;
                let len = b.bits(16) as usize;
                b.bits(16);
                b.pos += len * 8;
            }
            1 => {
                st.fixed += 1;
                let mut l = [8u8; 288];
                l[144..256].fill(9);
                l[256..280].fill(7);
                skip_symbols(&mut b, &Huffman::new(&l), &Huffman::new(&[5u8; 30]));
            }
            _ => {
                st.dynamic += 1;
                let hlit = b.bits(5) as usize + 257;
                let hdist = b.bits(5) as usize + 1;
                let hclen = b.bits(4) as usize + 4;
                const ORDER: [usize; 19] = [
                    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
                ];
                let mut cl = [0u8; 19];
                for &o in &ORDER[..hclen] {
                    cl[o] = b.bits(3) as u8;
                }
                let clh = Huffman::new(&cl);
                let mut lens = Vec::with_capacity(hlit + hdist);
                while lens.len() < hlit + hdist {
                    match clh.decode(&mut b) {
                        s @ 0..=15 => lens.push(s as u8),
                        16 => {
                            let p = *lens.last().unwrap();
                            let r = 3 + b.bits(2);
                            lens.resize(lens.len() + r as usize, p);
                        }
                        17 => {
                            let r = 3 + b.bits(3);
                            lens.resize(lens.len() + r as usize, 0);
                        }
                        _ => {
                            let r = 11 + b.bits(7);
                            lens.resize(lens.len() + r as usize, 0);
                        }
                    }
                }
                let lit = Huffman::new(&lens[..hlit]);
                let dist = Huffman::new(&lens[hlit..]);
                skip_symbols(&mut b, &lit, &dist);
            }
        }
        if last {
            return n;
        }
    }
}

/// Block statistics of every packet of a gzip-mode or zlib payload.
pub fn of_payload(p: &[u8]) -> Stats {
    let info = ezip::payload::parse(p).expect("our own payload");
    let mut st = Stats::default();
    for pk in &info.packets {
        let body = pk.body(p);
        // gzip mode: 4-byte length first; zlib: 2-byte header.
        let raw = match info.mode {
            ezip::Mode::Zlib => &body[2..],
            _ => &body[4..],
        };
        st.packets += 1;
        if walk(raw, &mut st) == 1 {
            st.single_block_packets += 1;
        }
    }
    st
}
