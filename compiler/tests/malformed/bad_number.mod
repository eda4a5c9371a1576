PARAMETER {
    gnabar = 0.12.5 (S/cm2)
}
