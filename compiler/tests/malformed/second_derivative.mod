DERIVATIVE states {
    m'' = -m/tau
}
