NEURON {
    SUFFIX
}
PARAMETER {
    x = 
}
STATE { m h }
INITIAL {
    m = = 1
}
