TITLE A calcium pump whose CONSERVE law is over amounts in COMPARTMENTs of different sizes

COMMENT
The pump sites live on the membrane (per area, compartment (1e10)*area1) and calcium in the
cytoplasm (compartment voli). As in NEURON's kinetic schemes, CONSERVE weights each state by
its COMPARTMENT size, so the law below says pump + pumpca = pumpdens (mol/cm2).
ENDCOMMENT

NEURON {
	SUFFIX pumpcomp
	USEION ca READ cao, cai WRITE cai, ica
	RANGE pumpdens
}

UNITS {
	(mM) = (milli/liter)
	(mA) = (milliamp)
	(um) = (micron)
	(mol) = (1)
	PI = (pi) (1)
	FARADAY = (faraday) (coulomb)
}

PARAMETER {
	k1 = 5e8 (/mM-s)
	k2 = 0.25e6 (/s)
	k3 = 0.5e3 (/s)
	k4 = 5 (/mM-s)
	pumpdens = 3e-14 (mol/cm2)
	car = 5e-5 (mM)
	tau = 1e9 (ms)
}

CONSTANT {
	volo = 1 (liter)
}

ASSIGNED {
	diam (um)
	cao (mM)
	ica (mA/cm2)
	ipump (mA/cm2)
	ipump_last (mA/cm2)
	voli (um3)
	area1 (um2)
	c1 (1+8 um5/ms)
	c2 (1-10 um2/ms)
	c3 (1-10 um2/ms)
	c4 (1+8 um5/ms)
}

STATE {
	cai (mM)
	pump (mol/cm2)
	pumpca (mol/cm2)
}

INITIAL {
	voli = PI*(diam/2)^2*1(um)
	area1 = 2*PI*(diam/2)*1(um)
	c1 = (1e7)*area1*k1
	c2 = (1e7)*area1*k2
	c3 = (1e7)*area1*k3
	c4 = (1e7)*area1*k4
	SOLVE pmp STEADYSTATE sparse
}

BREAKPOINT {
	SOLVE pmp METHOD sparse
	ipump_last = ipump
	ica = ipump
}

KINETIC pmp {
	COMPARTMENT voli {cai}
	COMPARTMENT (1e10)*area1 {pump pumpca}
	COMPARTMENT volo*(1e15) {cao car}
	~ car <-> cai (1(um3)/tau, 1(um3)/tau)
	~ cai + pump <-> pumpca (c1, c2)
	~ pumpca <-> pump + cao (c3, c4)
	ipump = (1e-4)*2*FARADAY*(f_flux - b_flux)/area1
	~ cai << (-(ica - ipump_last)*area1/(2*FARADAY)*(1e4))
	CONSERVE pump + pumpca = (1e10)*area1*pumpdens
}
