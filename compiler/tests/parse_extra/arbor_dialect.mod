: Arbor-dialect density mechanism: WHITE_NOISE, stochastic METHOD, irreversible reactions,
: exprelr, min/max, step_right and a POST_EVENT block (for spike-timing plasticity).

NEURON {
	SUFFIX arbor_na_noise
	USEION na READ ena WRITE ina VALENCE 1 REPRESENTS CHEBI:29101
	RANGE gbar, sigma, theta
	NONSPECIFIC_CURRENT il
}

UNITS {
	(mV) = (millivolt)
	(mA) = (milliamp)
	(S)  = (siemens)
}

PARAMETER {
	gbar = 0.12 (S/cm2)
	sigma = 0.1
	theta = 1 (/ms)
	gl = 0.0003 (S/cm2)
	el = -54.3 (mV)
	kf = 0.2 (/ms)
	tau_post = 20 (ms)
}

WHITE_NOISE {
	W
	W2
}

STATE { m h A B apost }

ASSIGNED {
	v (mV)
	ena (mV)
}

BREAKPOINT {
	SOLVE states METHOD stochastic
	SOLVE kin METHOD sparse
	ina = gbar*max(0, min(1, m))^3*h*(v - ena)
	il = gl*(v - el)*step_right(v + 100)
}

INITIAL {
	m = minf(v)
	h = 1 - m
	A = 1
	B = 0
	apost = 0
}

DERIVATIVE states {
	m' = (minf(v) - m)*theta + sigma*W
	h' = -theta*(h - 0.6) + sigma*W2
	apost' = -apost/tau_post
}

KINETIC kin {
	~ A -> B (kf)
	~ B <-> A (kf*0.5, kf*0.25)
	~ A <-> (0, kf*0.01) : a source term, Arbor style
}

FUNCTION minf(v (mV)) {
	LOCAL a, b
	a = 0.1*10*exprelr(-(v + 40)/10)
	b = 4*exp(-(v + 65)/18)
	minf = a/(a + b)
}

POST_EVENT(time) {
	apost = apost + 1
}
