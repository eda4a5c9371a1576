UNITS {
    (mV) (millivolt)
}
