TITLE Markov sodium channel: kinetic scheme with COMPARTMENT and CONSERVE

COMMENT
A six-state scheme in the style of Kuo and Bean (1994), written with NEURON's KINETIC syntax.
The rates use the f_flux and b_flux names in a diagnostic assignment.
ENDCOMMENT

NEURON {
	SUFFIX nakin
	USEION na READ ena WRITE ina
	RANGE gbar, g, ina, flux01
	GLOBAL a0, b0, vha, vhb, kon, koff
	THREADSAFE
}

UNITS {
	(mV) = (millivolt)
	(mA) = (milliamp)
	(pS) = (picosiemens)
	(um) = (micron)
}

PARAMETER {
	gbar = 0.01 (S/cm2) <0, 1e9>
	a0 = 20 (/ms)
	b0 = 3 (/ms)
	vha = -45 (mV)
	vhb = -60 (mV)
	ka = 9 (mV)
	kb = -9 (mV)
	kon = 0.5 (/ms)
	koff = 0.01 (/ms)
	Q10 = 3 (1)
	celsius (degC)
}

ASSIGNED {
	v (mV)
	ena (mV)
	ina (mA/cm2)
	g (S/cm2)
	a (/ms)
	b (/ms)
	qt (1)
	flux01 (/ms)
}

STATE {
	C0 C1 C2 O
	I0 I1 (1) <1e-6>
}

BREAKPOINT {
	SOLVE kin METHOD sparse
	g = gbar*O
	ina = g*(v - ena)
}

INITIAL {
	qt = Q10^((celsius - (22 (degC)))/(10 (degC)))
	SOLVE kin STEADYSTATE sparse
}

KINETIC kin {
	rates(v)
	COMPARTMENT (1e-4) {C0 C1 C2 O}
	COMPARTMENT 1 {I0 I1}
	~ C0 <-> C1 (2*a, b)
	~ C1 <-> C2 (a, 2*b)
	~ C2 <-> O (a*3 (1), b*0.5)
	~ C0 <-> I0 (kon, koff)
	~ C1 <-> I1 (kon*2, koff/2)
	flux01 = f_flux - b_flux
	CONSERVE C0 + C1 + C2 + O + I0 + I1 = 1
}

PROCEDURE rates(v (mV)) {
	a = qt*a0*exp((v - vha)/ka)
	b = qt*b0*exp((v - vhb)/kb)
}
