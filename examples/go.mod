module github.com/childloop/childloop/examples

go 1.26.0

require (
	github.com/childloop/childloop v0.0.0-00010101000000-000000000000
	github.com/stretchr/testify v1.12.1
	github.com/tidwall/evio v1.0.8
	golang.org/x/sys v0.50.0
)

require (
	github.com/kavu/go_reuseport v1.5.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
)

replace github.com/childloop/childloop => ../
