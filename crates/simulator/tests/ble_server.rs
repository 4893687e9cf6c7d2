//! The device on a real TCP socket in process: link parameters first, the stop rules.

mod ble_common;

use ble_common::*;
use simulator::ble::package::{PackageDevice, PackageModel};
use simulator::ble::server::{serve, ServeOptions, Stopped};
use simulator::ble::{LinkOptions, Sim};
use simulator::FlashMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

fn sim() -> Sim {
    let map = FlashMap::from_layout(&layout::Layout::bundled(LAYOUT).unwrap()).unwrap();
    let dev = PackageDevice::new(map, PackageModel::default());
    Sim::new(
        Box::new(dev),
        LinkOptions {
            mtu: 185,
            latency_us: 0,
        },
        &[],
    )
}

fn frame(s: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut head = [0u8; 3];
    s.read_exact(&mut head).unwrap();
    let mut v = vec![0; usize::from(u16::from_le_bytes([head[1], head[2]]))];
    s.read_exact(&mut v).unwrap();
    (head[0], v)
}

fn write(s: &mut TcpStream, value: &[u8]) {
    let mut f = vec![1u8];
    f.extend_from_slice(&(value.len() as u16).to_le_bytes());
    f.extend_from_slice(value);
    s.write_all(&f).unwrap();
}

#[test]
fn no_connection_within_the_idle_timeout_stops_the_server() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut s = sim();
    let opts = ServeOptions {
        idle_timeout: Some(Duration::from_millis(20)),
        ..ServeOptions::default()
    };
    assert_eq!(serve(&l, &mut s, opts, |_| Ok(())).unwrap(), Stopped::Idle);
}

#[test]
fn once_stops_after_a_successful_install_and_outputs_follow_every_connection() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let (pkg, _) = package();
    let client = std::thread::spawn(move || {
        // A first connection that only starts, then hangs up.
        let mut s = TcpStream::connect(addr).unwrap();
        assert_eq!(frame(&mut s), (3, 185u16.to_le_bytes().to_vec()));
        let mut start = le32(pkg.len() as u32);
        start.extend(le32(pkg.len().div_ceil(2048) as u32));
        start.extend_from_slice(&pkg[8..12]);
        write(&mut s, &whole(38, &start));
        assert_eq!(frame(&mut s).0, 2);
        drop(s);
        let mut s = TcpStream::connect(addr).unwrap();
        assert_eq!(frame(&mut s).0, 3);
        write(&mut s, &whole(38, &start));
        let (_, v) = frame(&mut s);
        assert_eq!(
            v[8..],
            [0, 0, 0, 0, 0, 0, 0, 0],
            "nothing stored yet: count 0"
        );
        for (k, data) in pkg.chunks(2048).enumerate() {
            let mut p = le32(k as u32 + 1);
            p.extend(le32(data.len() as u32));
            p.extend(le32(crc32_mpeg2(data)));
            p.extend_from_slice(data);
            for f in frames(40, &p, 185) {
                write(&mut s, &f);
            }
            assert_eq!(frame(&mut s).0, 2);
        }
        write(&mut s, &whole(42, &[0, 0]));
        assert_eq!(frame(&mut s).0, 2);
        assert_eq!(frame(&mut s), (4, vec![]));
    });
    let mut s = sim();
    let mut after = 0;
    let opts = ServeOptions {
        once: true,
        ..ServeOptions::default()
    };
    let stopped = serve(&l, &mut s, opts, |_| {
        after += 1;
        Ok(())
    })
    .unwrap();
    client.join().unwrap();
    assert_eq!(stopped, Stopped::Installed);
    assert_eq!(after, 2);
    assert_eq!(s.report().connections, 2);
}
