TITLE Calcium diffusion in shells with buffering and a pump

COMMENT
Radial diffusion in NANN shells with LONGITUDINAL_DIFFUSION, after the cadifus example of
The NEURON Book, chapter 9. Array states are sized by a DEFINE.
ENDCOMMENT

DEFINE NANN  4

NEURON {
	SUFFIX cadifus
	USEION ca READ cao, cai, ica WRITE cai, ica
	RANGE ica_pmp, TotalPump
	GLOBAL vrat, TBtot, KDb
}

UNITS {
	(mol)   = (1)
	(molar) = (1/liter)
	(mM)    = (millimolar)
	(um)    = (micron)
	(mA)    = (milliamp)
	FARADAY = (faraday)  (10000 coulomb)
	PI      = (pi)       (1)
	R       = (k-mole)   (joule/degC)
}

PARAMETER {
	DCa   = 0.6      (um2/ms)
	k1buf = 100      (/mM-ms)
	k2buf = 0.1      (/ms)
	TBtot = 0.1      (mM)
	KDb   = 1e-3     (mM)
	k1 = 1 (/mM-ms)
	k2 = 0.005 (/ms)
	TotalPump = 1e-11 (mol/cm2)
}

ASSIGNED {
	diam      (um)
	ica       (mA/cm2)
	cai       (mM)
	cao       (mM)
	ica_pmp   (mA/cm2)
	vrat[NANN] (1)
	Kd        (/mM)
	B0        (mM)
	parea     (um)
}

STATE {
	ca[NANN]       (mM) <1e-10>
	CaBuffer[NANN] (mM)
	Buffer[NANN]   (mM)
	pump (mol/cm2)
	pumpca (mol/cm2)
}

BREAKPOINT { SOLVE state METHOD sparse }

LOCAL factors_done

INITIAL {
	if (factors_done == 0) {
		factors_done = 1
		factors()
	}
	Kd = k1buf/k2buf
	B0 = TBtot/(1 + Kd*cai)
	FROM i=0 TO NANN-1 {
		ca[i] = cai
		Buffer[i] = B0
		CaBuffer[i] = TBtot - B0
	}
	parea = PI*diam
	pump = TotalPump/(1 + (cai*k1/k2))
	pumpca = TotalPump - pump
}

LOCAL frat[NANN]

PROCEDURE factors() {
	LOCAL r, dr2
	r = 1/2
	dr2 = r/(NANN-1)/2
	vrat[0] = 0
	frat[0] = 2*r
	FROM i=0 TO NANN-2 {
		vrat[i] = vrat[i] + PI*(r-dr2/2)*2*dr2
		r = r - dr2
		frat[i+1] = 2*PI*r/(2*dr2)
		r = r - dr2
		vrat[i+1] = PI*(r+dr2/2)*2*dr2
	}
}

LOCAL dsq, dsqvol

KINETIC state {
	COMPARTMENT i, diam*diam*vrat[i] {ca CaBuffer Buffer}
	COMPARTMENT (1e10)*parea {pump pumpca}
	LONGITUDINAL_DIFFUSION i, DCa*diam*diam*vrat[i] {ca}
	~ ca[0] + pump <-> pumpca (k1*parea*(1e10), k2*parea*(1e10))
	~ pumpca <-> pump (k2*parea*(1e10), 0)
	CONSERVE pump + pumpca = TotalPump * parea * (1e10)
	ica_pmp = 2*FARADAY*(f_flux - b_flux)/parea
	~ ca[0] << (-(ica - ica_pmp)*PI*diam/(2*FARADAY))
	FROM i=0 TO NANN-2 {
		~ ca[i] <-> ca[i+1] (DCa*frat[i+1], DCa*frat[i+1])
	}
	dsq = diam*diam
	FROM i=0 TO NANN-1 BY 1 {
		dsqvol = dsq*vrat[i]
		~ ca[i] + Buffer[i] <-> CaBuffer[i] (k1buf*dsqvol, k2buf*dsqvol)
	}
	cai = ca[0]
}
