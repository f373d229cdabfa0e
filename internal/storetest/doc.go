// Package storetest is a credential store for tests only: the Store of
// package store kept in memory, for the tests of what uses a store
// (credhelper, doctor). Nothing of the binary imports it.
package storetest
