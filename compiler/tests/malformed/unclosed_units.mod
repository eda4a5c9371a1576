PARAMETER {
    a = 1 (mV
}
