TITLE kdr: delayed rectifier with tabulated rates : derivimplicit and TABLE DEPEND

UNITS {
	(mA) = (milliamp)
	(mV) = (millivolt)
}

NEURON {
	SUFFIX kdrt
	USEION k READ ek WRITE ik
	RANGE gkbar, gk, ik
	GLOBAL ninf, ntau, vhalf, vmin, vmax
}

INDEPENDENT { t FROM 0 TO 1 WITH 1 (ms) }

PARAMETER {
	gkbar = .036 (mho/cm2) <0,1e9>
	vhalf = -40 (mV)
	vmin = -120 (mV)
	vmax = 100 (mV)
	q10 = 3
	celsius = 6.3 (degC)
	vshift[2] (mV)
}

CONSTANT {
	e0 = 1.60217646e-19 (coulombs)
	kB = 1.3806505e-23 (joule/kelvin)
}

STATE { n FROM 0 TO 1 }

ASSIGNED {
	v (mV)
	ik (mA/cm2)
	ek (mV)
	gk (mho/cm2)
	ninf
	ntau (ms)
}

FUNCTION_TABLE tauTable(v (mV)) (ms)

BREAKPOINT {
	SOLVE states METHOD derivimplicit
	gk = gkbar*n^4
	ik = gk*(v - ek)
}

INITIAL {
	rates(v)
	n = ninf
}

DERIVATIVE states {
	rates(v)
	n' = (ninf - n)/ntau
}

PROCEDURE rates(v (mV)) {
	LOCAL alpha, beta, sum, q
	TABLE ninf, ntau DEPEND celsius, vhalf FROM vmin TO vmax*(1 + 0) WITH 199
	q = q10^((celsius - 6.3)/10)
	alpha = -.01*(v - vhalf + 5)/(exp(-(v - vhalf + 5)/10) - 1)
	beta = .125*exp(-(v + 65)/80)
	sum = alpha + beta
	ntau = 1/(q*sum)
	ninf = alpha/sum
}

FUNCTION efun(z) {
	if (fabs(z) < 1e-4) {
		efun = 1 - z/2
	}else{
		efun = z/(exp(z) - 1)
	}
}

FUNCTION gate(x) {
	TABLE FROM -100 TO 100 WITH 2000
	gate = 1/(1 + exp(-x))
}
