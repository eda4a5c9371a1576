TITLE misc: LINEAR/NONLINEAR, STEADYSTATE, IFERROR, while, LAG, CONDUCTANCE, BEFORE/AFTER

? A question-mark comment and a colon comment : on the same line.
INCLUDE "misc_constants.inc"

NEURON {
	SUFFIX misc
	USEION ca READ eca, cai
	  WRITE ica VALENCE 2
	USEION k READ ek WRITE ik
	ELECTRODE_CURRENT ie
	RANGE gbar gl
	EXTERNAL celsius
	THREADSAFE gbar
}

UNITS {
	(mV) = (millivolt)
	FARADAY = 96485.309 (coul)
	R = 8.313424 (joule/degC)
}

LOCAL scratch

PARAMETER {
	gbar = 1e-3 (S/cm2) <0,1e9>
	gl = -1.5e+2 (S/cm2)
	x0 = +2
	tau = 5 (ms)
	a[3] = 1
}

STATE {
	x y z
	w START 0.5
}

ASSIGNED {
	v (mV)
	ica (mA/cm2)
	ik (mA/cm2)
	ie (nA)
	eca (mV)
	ek (mV)
	cai (mM)
	lagged
	tau_lag (ms)
}

BEFORE BREAKPOINT {
	scratch = 0
}

AFTER SOLVE {
	scratch = scratch + 1
}

BEFORE STEP { }

INITIAL {
	SOLVE lin
	SOLVE nonlin STEADYSTATE derivimplicit IFERROR {
		x = 0
	}
	w = 0.5
}

BREAKPOINT {
	SOLVE dyn METHOD euler
	CONDUCTANCE gbar USEION ca
	ica = gbar*x*(v - eca)
	ik = gl*(10 (degC))*2 (1)*(1e-4)*(v - ek)
	ie = 0
	LAG cai BY tau_lag
}

DERIVATIVE dyn {
	x' = (x0 - x)/tau
	y' = -y/tau + !(x < 0)*1
	w' = -w^2^0.5/tau - -x^-1/1000
	z' = (-(2)^2 + 4) * z
}

LINEAR lin SOLVEFOR x, y {
	~ 2*x + y = 3
	~ x - y = 0
}

NONLINEAR nonlin {
	LOCAL it
	it = 0
	~ x*x + y = 3
	~ x = y
	while (it < 10 || it == -1) {
		it = it + 1
		if (it >= 5 && it != 6) {
			it = 10
		} else if (it <= 2) {
			it = it + 0
		}
	}
}

FUNCTION ghk(v (mV), ci (mM), co (mM)) (mV) {
	LOCAL z, eci, eco
	z = (1e-3)*2*FARADAY*v/(R*(celsius + 273.15))
	eco = co*efun(z)
	eci = ci*efun(-z)
	ghk = (.001)*2*FARADAY*(eci - eco)
}

FUNCTION efun(z) {
	if (fabs(z) < 1e-4) {
		efun = 1 - z/2
	} else {
		efun = z/(exp(z) - 1)
	}
}

PROCEDURE noargs {
	{
		scratch = a[0] + a[2]
	}
}
