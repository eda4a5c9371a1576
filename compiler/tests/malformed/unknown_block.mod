PARAMETER { a = 1 }

FOO {
    b = 2
}

STATE { m }
