COMMENT
/**
 * @file ProbAMPANMDA-like synapse: stochastic release with RANDOM123-style generators,
 * Tsodyks-Markram dynamics, FOR_NETCONS, PROTECT, MUTEXLOCK and WATCH.
 */
ENDCOMMENT

TITLE Probabilistic AMPA and NMDA receptor with presynaptic short-term plasticity

NEURON {
	THREADSAFE
	POINT_PROCESS ProbAMPANMDA_Like
	RANGE tau_r_AMPA, tau_d_AMPA, tau_r_NMDA, tau_d_NMDA
	RANGE Use, u, Dep, Fac, u0, mg, NMDA_ratio
	RANGE i, i_AMPA, i_NMDA, g_AMPA, g_NMDA, g, e
	NONSPECIFIC_CURRENT i
	POINTER rng
	RANDOM release_rng
	RANGE synapseID, verboseLevel
	GLOBAL nc_type_param
}

PARAMETER {
	tau_r_AMPA = 0.2   (ms)
	tau_d_AMPA = 1.7    (ms)
	tau_r_NMDA = 0.29   (ms)
	tau_d_NMDA = 43     (ms)
	Use = 1.0   (1)
	Dep = 100   (ms)
	Fac = 10   (ms)
	e = 0     (mV)
	mg = 1   (mM)
	mggate
	gmax = .001 (uS)
	u0 = 0
	synapseID = 0
	verboseLevel = 0
	NMDA_ratio = 0.71 (1)
	nc_type_param = 4
}

ASSIGNED {
	v (mV)
	i (nA)
	i_AMPA (nA)
	i_NMDA (nA)
	g_AMPA (uS)
	g_NMDA (uS)
	g (uS)
	factor_AMPA
	factor_NMDA
	rng
	usingR123
}

STATE {
	A_AMPA
	B_AMPA
	A_NMDA
	B_NMDA
}

INITIAL {
	LOCAL tp_AMPA, tp_NMDA
	A_AMPA = 0
	B_AMPA = 0
	A_NMDA = 0
	B_NMDA = 0
	tp_AMPA = (tau_r_AMPA*tau_d_AMPA)/(tau_d_AMPA-tau_r_AMPA)*log(tau_d_AMPA/tau_r_AMPA)
	tp_NMDA = (tau_r_NMDA*tau_d_NMDA)/(tau_d_NMDA-tau_r_NMDA)*log(tau_d_NMDA/tau_r_NMDA)
	factor_AMPA = -exp(-tp_AMPA/tau_r_AMPA)+exp(-tp_AMPA/tau_d_AMPA)
	factor_AMPA = 1/factor_AMPA
	factor_NMDA = -exp(-tp_NMDA/tau_r_NMDA)+exp(-tp_NMDA/tau_d_NMDA)
	factor_NMDA = 1/factor_NMDA
	setRNG()
	net_send(0, 1)
}

BREAKPOINT {
	SOLVE state METHOD cnexp
	mggate = 1 / (1 + exp(0.062 (/mV) * -(v)) * (mg / 3.57 (mM)))
	g_AMPA = gmax*(B_AMPA-A_AMPA)
	g_NMDA = gmax*(B_NMDA-A_NMDA) * mggate
	g = g_AMPA + g_NMDA
	i_AMPA = g_AMPA*(v-e)
	i_NMDA = g_NMDA*(v-e)
	i = i_AMPA + i_NMDA
}

DERIVATIVE state {
	A_AMPA' = -A_AMPA/tau_r_AMPA
	B_AMPA' = -B_AMPA/tau_d_AMPA
	A_NMDA' = -A_NMDA/tau_r_NMDA
	B_NMDA' = -B_NMDA/tau_d_NMDA
}

NET_RECEIVE (weight, weight_AMPA, weight_NMDA, Psurv, tsyn (ms), u, Pv, Pr, nc_type) {
	LOCAL result
	weight_AMPA = weight
	weight_NMDA = weight * NMDA_ratio
	INITIAL {
		weight_AMPA = weight
		weight_NMDA = weight * NMDA_ratio
		Pv = 1
		u = u0
		tsyn = t
		nc_type = 0
	}
	if (flag == 1) {
		WATCH (v > -20 (mV)) 2, (v < -60) 3
		FOR_NETCONS(w, wA, wN, ps, ts, uu, pv, pr, nct) {
			if (nct == 0) {
				pv = 1
			}
		}
	} else if (flag == 2) {
		PROTECT u0 = u0 + 1
		MUTEXLOCK
		synapseID = synapseID + 0
		MUTEXUNLOCK
	} else {
		if (Fac > 0) {
			u = u*exp(-(t - tsyn)/Fac)
		} else {
			u = Use
		}
		if (Fac > 0) {
			u = u + Use*(1-u)
		}
		Pv = 1 - (1-Pv) * exp(-(t-tsyn)/Dep)
		Pr = u * Pv
		result = erand()
		if (result < Pr) {
			Pv = Pv - u*Pv
			A_AMPA = A_AMPA + weight_AMPA*factor_AMPA
			B_AMPA = B_AMPA + weight_AMPA*factor_AMPA
			A_NMDA = A_NMDA + weight_NMDA*factor_NMDA
			B_NMDA = B_NMDA + weight_NMDA*factor_NMDA
			if (verboseLevel > 0) {
				printf("Release! t = %g: vals %g %g\n", t, Pv, u)
			}
		}
		tsyn = t
	}
}

PROCEDURE setRNG() {
VERBATIM
	usingR123 = 0;
	if( ifarg(1) && hoc_is_double_arg(1) ) {
		nrnran123_State** pv = (nrnran123_State**)(&_p_rng);
		uint32_t a2 = 0;
		if (*pv) { nrnran123_deletestream(*pv); *pv = (nrnran123_State*)0; }
		*pv = nrnran123_newstream3((uint32_t)*getarg(1), (uint32_t)*getarg(2), a2);
		usingR123 = 1;
	}
ENDVERBATIM
}

FUNCTION erand() {
VERBATIM
	_lerand = 0.5;
ENDVERBATIM
}

FUNCTION toggleVerbose() {
	verboseLevel = 1 - verboseLevel
	toggleVerbose = verboseLevel
}
