//! An in-process scripted peer: a [`Connector`] whose links are wired straight to a device
//! model in the same thread (no sockets, no waiting: an empty inbox is a timeout at once). The
//! device models here are deliberately small: the flows' reactions to each device behaviour
//! are tested here; the whole simulator is tested end to end in the imgtool crate.

#![allow(dead_code)]

pub mod package_dev;
pub mod secure_dev;

use dfu::msg::Message;
use dfu::serial::{fragment, Reassembler, CATE_DFU};
use dfu::{Connector, Link, LinkError};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use std::time::Duration;

/// What a device does with one message.
pub enum Out {
    /// Notify this message.
    Notify(Message),
    /// Drop the link after the notifications queued so far.
    Disconnect,
}

/// A device model.
pub trait Device {
    /// A new connection begins.
    fn connected(&mut self) {}
    /// One DFU message from the sender.
    fn handle(&mut self, m: Message) -> Vec<Out>;
    /// Lets a test mangle a value on the way in (corruption); `None` keeps it.
    fn mangle(&mut self, _value: &mut Vec<u8>) {}
}

/// Connects to a shared device.
pub struct Peer<D: Device> {
    pub dev: Rc<RefCell<D>>,
    pub mtu: u16,
}

impl<D: Device + 'static> Peer<D> {
    pub fn new(dev: D, mtu: u16) -> Self {
        Peer {
            dev: Rc::new(RefCell::new(dev)),
            mtu,
        }
    }
}

impl<D: Device + 'static> Connector for Peer<D> {
    fn connect(&mut self) -> Result<Box<dyn Link>, LinkError> {
        self.dev.borrow_mut().connected();
        Ok(Box::new(MemLink {
            dev: self.dev.clone(),
            inbox: VecDeque::new(),
            reasm: Reassembler::default(),
            alive: true,
            mtu: self.mtu,
        }))
    }

    fn describe(&self) -> String {
        "scripted peer".into()
    }
}

struct MemLink<D: Device> {
    dev: Rc<RefCell<D>>,
    inbox: VecDeque<Vec<u8>>,
    reasm: Reassembler,
    alive: bool,
    mtu: u16,
}

impl<D: Device> Link for MemLink<D> {
    fn mtu(&self) -> u16 {
        self.mtu
    }

    fn write(&mut self, value: &[u8]) -> Result<(), LinkError> {
        if !self.alive {
            return Err(LinkError::Disconnected);
        }
        let Some((cate, data)) = self.reasm.push(value).map_err(LinkError::Frame)? else {
            return Ok(());
        };
        assert_eq!(cate, CATE_DFU);
        let mut m = Message::decode(&data).expect("sender wrote a whole message");
        let mut p = m.payload.clone();
        self.dev.borrow_mut().mangle(&mut p);
        m.payload = p;
        for out in self.dev.borrow_mut().handle(m) {
            match out {
                Out::Notify(n) => {
                    let bytes = n.encode().unwrap();
                    self.inbox
                        .extend(fragment(CATE_DFU, &bytes, self.mtu).unwrap());
                }
                Out::Disconnect => self.alive = false,
            }
        }
        Ok(())
    }

    fn recv(&mut self, _timeout: Duration) -> Result<Option<Vec<u8>>, LinkError> {
        match self.inbox.pop_front() {
            Some(v) => Ok(Some(v)),
            None if !self.alive => Err(LinkError::Disconnected),
            None => Ok(None),
        }
    }

    fn close(&mut self) {
        self.alive = false;
    }
}
