NEURON { SUFFIX x }

COMMENT
  this comment never ends

PARAMETER { a = 1 }
