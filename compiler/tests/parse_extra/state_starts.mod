TITLE Starting values of states (x0 and START), as nocmodl sets them before INITIAL

NEURON {
	SUFFIX starts
	USEION ca READ ica WRITE cai
	RANGE k
	GLOBAL pump0
}

PARAMETER {
	pump0 = 3e-3 (mM)
	k = 0.2 (/ms)
	cai0 = 1e-4 (mM)
	y0 = 2
}

ASSIGNED {
	ica (mA/cm2)
}

STATE {
	pump (mM)
	pumpca (mM)
	w START 0.5
	y
	cai (mM)
}

INITIAL {
	pumpca = 2*pump
	y = 7
}

BREAKPOINT {
	SOLVE states METHOD cnexp
}

DERIVATIVE states {
	pump' = -k*pump
	pumpca' = k*pump - k*pumpca
	w' = -k*w
	y' = -k*y
	cai' = -ica*k - k*(cai - cai0)
}
