"""Wire formats of Touchline sensors: frames, standard-sensor decoders, virtual sensors."""
