//! gradmod-runtime: a multicompartment cable simulator carrying tangent columns dV/dθ.
