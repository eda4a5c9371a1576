//! Connections onto point processes (NEURON's NetCon): the values each keeps, one per
//! `NET_RECEIVE` argument, their initialisation by the `INITIAL` block nested in `NET_RECEIVE`,
//! and the tangents of both (docs/DESIGN.md, "Events").

use crate::cell::{Cell, MechId};
use crate::error::{Error, Result, check_finite};
use crate::events::{NetCon, NetConId};
use crate::mechanism::EventArgs;
use crate::params::ParamTarget;
use crate::phase::{phase_context, phase_tangents};

impl Cell {
    /// Adds a connection of weight `weight` onto instance `instance` of point process `mech`;
    /// its other values (the `NET_RECEIVE` arguments after the weight) start at 0 and are set
    /// by the `INITIAL` block nested in `NET_RECEIVE` at each initialisation.
    pub fn connect(&mut self, mech: MechId, instance: usize, weight: f64) -> Result<NetConId> {
        let slot = self.mechs.get(mech.0).ok_or_else(|| Error::UnknownName {
            kind: "mechanism",
            name: mech.0.to_string(),
        })?;
        let info = slot.mech().info();
        if !info.net_receive {
            return Err(Error::Invalid(format!(
                "`{}` has no NET_RECEIVE block and cannot receive events",
                info.name
            )));
        }
        if instance >= slot.mech().instance_count() {
            return Err(Error::UnknownName {
                kind: "instance",
                name: format!("{}[{instance}]", info.name),
            });
        }
        check_finite(|| format!("connection weight for {}", info.name), weight)?;
        let mut start = vec![0.0; info.net_args.len().max(1)];
        start[0] = weight;
        Ok(NetConId(self.events.add_netcon(mech, instance, start)))
    }

    /// Schedules an event through connection `nc` at `time`: `NET_RECEIVE` of its target with
    /// the connection's values at delivery and flag 0.
    pub fn deliver(&mut self, time: f64, nc: NetConId) -> Result<()> {
        let con = self.netcon(nc)?;
        let (mech, instance) = (con.mech, con.instance);
        check_finite(|| format!("event time for connection {}", nc.0), time)?;
        self.events
            .push(time, mech, instance, Some(nc.0), 0.0, false);
        Ok(())
    }

    /// Queues what the last `init` or `net_receive` of mechanism `m` requested for instance `j`
    /// (its [`crate::mechanism::Context::emit`] entries), at time `t`: `net_send` queues a
    /// self-event carrying the connection `netcon` of the event being handled (as NEURON's
    /// carries its weight vector), `net_move` moves the instance's pending self-event,
    /// `net_event` spikes, `WATCH` arms a condition.
    pub(crate) fn take_requests(
        &mut self,
        m: usize,
        j: usize,
        t: f64,
        netcon: Option<usize>,
    ) -> Result<()> {
        let slots = self.mechs[m].mech().info().emit_slots;
        let mut first_watch = true;
        for i in 0..slots {
            let at = (j * slots + i) * 3;
            let [kind, a, b] = [0, 1, 2].map(|p| self.mechs[m].emit()[at + p]);
            let name = self.mechs[m].mech().info().name;
            if kind == 1.0 {
                let time = t + a;
                if !(a >= 0.0 && time.is_finite()) {
                    return Err(Error::BadValue {
                        object: format!("net_send of {name}[{j}] at t = {t} ms"),
                        value: a,
                        message: "the delay must be finite and not negative".into(),
                    });
                }
                let seq = self.events.push(time, MechId(m), j, netcon, b, true);
                self.mechs.slot_mut(m).set_movable(j, Some(seq));
            } else if kind == 2.0 {
                self.move_event(m, j, t, a)?;
            } else if kind == 3.0 {
                self.net_event(m, j, t, a)?;
            } else if kind == 4.0 || kind == 5.0 {
                self.events
                    .arm(m, j, a as usize, b, kind == 5.0, first_watch);
                first_watch = false;
            } else if kind == 6.0 {
                self.for_netcons(m, j, t);
            }
        }
        Ok(())
    }

    /// `net_move(time)` of instance `j` of mechanism `m` at `t`: its pending self-event is
    /// delivered at `time` instead, after the events already queued for that time.
    fn move_event(&mut self, m: usize, j: usize, t: f64, time: f64) -> Result<()> {
        let name = self.mechs[m].mech().info().name;
        let Some(seq) = self.mechs[m].movable(j) else {
            return Err(Error::Invalid(format!(
                "net_move of {name}[{j}] at t = {t} ms: no self-event is pending"
            )));
        };
        if !(time >= t && time.is_finite()) {
            return Err(Error::BadValue {
                object: format!("net_move of {name}[{j}] at t = {t} ms"),
                value: time,
                message: "the new time must be finite and not before t".into(),
            });
        }
        let new_seq = self.events.reschedule(seq, time);
        self.mechs.slot_mut(m).set_movable(j, Some(new_seq));
        Ok(())
    }

    fn netcon(&self, nc: NetConId) -> Result<&NetCon> {
        self.events.netcon(nc.0).ok_or_else(|| Error::UnknownName {
            kind: "connection",
            name: nc.0.to_string(),
        })
    }

    /// The number of connections.
    pub fn netcon_count(&self) -> usize {
        self.events.netcon_count()
    }

    /// The current values of connection `nc`, one per `NET_RECEIVE` argument (the weight first).
    pub fn netcon_values(&self, nc: NetConId) -> Result<&[f64]> {
        Ok(self.netcon(nc)?.values())
    }

    /// The tangents of the values of connection `nc`, `[k][arg]`.
    pub fn netcon_tangents(&self, nc: NetConId) -> Result<&[f64]> {
        Ok(self.netcon(nc)?.tangents())
    }

    /// The weight connection `nc` starts each run with.
    pub fn netcon_weight(&self, nc: NetConId) -> Result<f64> {
        Ok(self.netcon(nc)?.weight())
    }

    /// Sets the weight connection `nc` starts each run with.
    pub fn set_netcon_weight(&mut self, nc: NetConId, weight: f64) -> Result<()> {
        check_finite(|| format!("weight of connection {}", nc.0), weight)?;
        self.netcon(nc)?;
        self.events.set_netcon_weight(nc.0, weight);
        self.recheck_before_next_step();
        Ok(())
    }

    /// `FOR_NETCONS` of instance `j` of mechanism `m` at `t`: its body (and tangent) once per
    /// connection onto the instance, in the order the connections were made (NEURON's NetCon
    /// list), with that connection's values.
    fn for_netcons(&mut self, m: usize, j: usize, t: f64) {
        for c in 0..self.events.netcon_count() {
            let nc = self.events.netcon(c).expect("a connection");
            if nc.mech.0 == m && nc.instance == j {
                self.connection_kernel(c, t, PerConnection::ForNetcons);
            }
        }
    }

    /// Initialises every connection: its values from their start (the weight, then zeros), their
    /// tangents from the parameters (a weight's own column is its dp/dθ), then the `INITIAL`
    /// nested in `NET_RECEIVE` and its tangent, connection by connection.
    pub(crate) fn init_netcons(&mut self) {
        let kk = self.params.len();
        for c in 0..self.events.netcon_count() {
            let seeds = self
                .params
                .iter()
                .enumerate()
                .filter(|(_, p)| p.target == ParamTarget::NetCon(c))
                .map(|(k, p)| (k, p.factor[0]));
            self.events.restart_netcon(c, kk, seeds);
            self.connection_kernel(c, 0.0, PerConnection::NetInit);
        }
    }

    /// Runs a kernel for one connection `c` at `t`, with the connection's values and their
    /// tangents in and out: its tangent first where the cell has tangents, then the kernel.
    fn connection_kernel(&mut self, c: usize, t: f64, which: PerConnection) {
        let kk = self.params.len();
        let n = self.cable.layout.len();
        let nc = self.events.netcon(c).expect("a connection");
        let (m, instance) = (nc.mech.0, nc.instance);
        let phase = match which {
            PerConnection::NetInit => crate::random::Phase::Init,
            PerConnection::ForNetcons => crate::random::Phase::Event,
        };
        let (mech, views) = self.mechs.slot_mut(m).parts();
        let mut ctx = phase_context!(self, views, t, m, value phase);
        let (args, dargs) = self.events.netcon_values_mut(c);
        let mut ev = EventArgs {
            flag: 0.0,
            args,
            dargs,
        };
        if kk > 0 {
            let mut tan = phase_tangents!(self, views, kk, n);
            match which {
                PerConnection::NetInit => {
                    mech.net_init_tangent(&mut ctx, &mut tan, instance, &mut ev)
                }
                PerConnection::ForNetcons => {
                    mech.for_netcons_tangent(&mut ctx, &mut tan, instance, &mut ev)
                }
            }
        }
        match which {
            PerConnection::NetInit => mech.net_init(&mut ctx, instance, &mut ev),
            PerConnection::ForNetcons => mech.for_netcons(&mut ctx, instance, &mut ev),
        }
    }
}

/// The kernels the runtime runs once per connection.
#[derive(Clone, Copy)]
enum PerConnection {
    /// The `INITIAL` nested in `NET_RECEIVE`, at initialisation.
    NetInit,
    /// The body of `FOR_NETCONS`, when `NET_RECEIVE` requests it.
    ForNetcons,
}
