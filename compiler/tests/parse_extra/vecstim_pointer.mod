: An artificial cell that plays spike times from a Vector through a POINTER, with VERBATIM C.

NEURON {
	THREADSAFE
	ARTIFICIAL_CELL VecStimPtr
	POINTER ptr
	BBCOREPOINTER bbptr
	RANGE index, etime
	EXTERNAL nrn_random_pick
}

ASSIGNED {
	index
	etime (ms)
	ptr
	bbptr
}

VERBATIM
#include <stdlib.h>
extern double* vector_vec(void*);
extern int vector_capacity(void*);
extern void* vector_arg(int);
/* A comment with a colon: and a question mark? and the word COMMENT inside. */
ENDVERBATIM

CONSTRUCTOR {
VERBATIM
	if (ifarg(1)) { _p_ptr = (double*)0; }
ENDVERBATIM
}

DESTRUCTOR {
VERBATIM
	_p_ptr = (double*)0;
ENDVERBATIM
}

INITIAL {
	index = 0
	element()
	if (index > 0) {
		net_send(etime - t, 1)
	}
}

NET_RECEIVE (w) {
	if (flag == 1) {
		net_event(t)
		element()
		if (index > 0) {
			net_send(etime - t, 1)
		}
	}
}

PROCEDURE element() {
VERBATIM
	{ void* vv; int i, size; double* px;
	i = (int)index;
	if (i >= 0) {
		vv = *((void**)(&_p_ptr));
		if (vv) {
			size = vector_capacity(vv);
			px = vector_vec(vv);
			if (i < size) {
				etime = px[i];
				index += 1.;
			}else{
				index = -1.;
			}
		}else{
			index = -1.;
		}
	}
	}
ENDVERBATIM
}

PROCEDURE play() {
VERBATIM
	void** vv;
	vv = (void**)(&_p_ptr);
	*vv = (void*)0;
	if (ifarg(1)) {
		*vv = vector_arg(1);
	}
ENDVERBATIM
}

FUNCTION bbsavestate() {
	bbsavestate = 0
VERBATIM
	/* nothing to save */
ENDVERBATIM
}
