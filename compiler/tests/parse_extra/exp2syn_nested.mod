COMMENT
Two-state kinetic scheme synapse with a NET_RECEIVE that keeps per-stream state in a
nested INITIAL block, as in NEURON's tmgsyn and exp2syn examples.
ENDCOMMENT

NEURON {
	POINT_PROCESS Exp2SynNested
	RANGE tau1, tau2, e, i, tau_rec, U
	NONSPECIFIC_CURRENT i
	RANGE g
}

UNITS {
	(nA) = (nanoamp)
	(mV) = (millivolt)
	(uS) = (microsiemens)
}

PARAMETER {
	tau1 = 0.1 (ms) <1e-9,1e9>
	tau2 = 10 (ms) <1e-9,1e9>
	e = 0	(mV)
	tau_rec = 800 (ms) < 1e-9, 1e9 >
	U = 0.1 (1) <0, 1>
}

ASSIGNED {
	v (mV)
	i (nA)
	g (uS)
	factor
}

STATE {
	A (uS)
	B (uS)
}

INITIAL {
	LOCAL tp
	if (tau1/tau2 > 0.9999) {
		tau1 = 0.9999*tau2
	}
	if (tau1/tau2 < 1e-9) {
		tau1 = tau2*1e-9
	}
	A = 0
	B = 0
	tp = (tau1*tau2)/(tau2 - tau1) * log(tau2/tau1)
	factor = -exp(-tp/tau1) + exp(-tp/tau2)
	factor = 1/factor
}

BREAKPOINT {
	SOLVE state METHOD cnexp
	g = B - A
	i = g*(v - e)
}

DERIVATIVE state {
	A' = -A/tau1
	B' = -B/tau2
}

NET_RECEIVE(weight (uS), y, z, u, tsyn (ms)) {
	INITIAL {
		y = 0
		z = 0
		u = U
		tsyn = t
	}
	z = z*exp(-(t - tsyn)/tau_rec)
	z = z + (y*(exp(-(t - tsyn)/tau1) - exp(-(t - tsyn)/tau_rec)) / (tau1/tau_rec - 1))
	y = y*exp(-(t - tsyn)/tau1)
	tsyn = t
	A = A + weight*factor*(1 - y - z)*u
	B = B + weight*factor*(1 - y - z)*u
	y = y + (1 - y - z)*u
	if (flag == 0 && !(weight <= 0) || t >= 1e9) {
		net_event(t)
	}
}
