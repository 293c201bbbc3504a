tile.kernel @k() grid {
  %c1 = arouith.congh