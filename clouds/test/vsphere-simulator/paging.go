// Paging for the property collector. The simulator answers RetrievePropertiesEx with every
// object at once and has no ContinueRetrievePropertiesEx; a vCenter returns at most maxObjects
// (and may cap pages lower on its own) with a token for the rest. With -page-limit N this
// wrapper does what vCenter does, so a client's paging is exercised over the wire.
package main

import (
	"strconv"
	"sync"

	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/methods"
	"github.com/vmware/govmomi/vim25/soap"
	"github.com/vmware/govmomi/vim25/types"
)

var pageLimit int

// pagingCollector embeds the collector by value: the simulator makes one per session by reflection.
type pagingCollector struct {
	simulator.PropertyCollector

	mutex     sync.Mutex
	remaining map[string][]types.ObjectContent
	counter   int
}

func (c *pagingCollector) page(objects []types.ObjectContent, maxObjects int32) types.RetrieveResult {
	size := pageLimit
	if maxObjects > 0 && int(maxObjects) < size {
		size = int(maxObjects)
	}
	if size <= 0 || len(objects) <= size {
		return types.RetrieveResult{Objects: objects}
	}
	c.mutex.Lock()
	defer c.mutex.Unlock()
	if c.remaining == nil {
		c.remaining = map[string][]types.ObjectContent{}
	}
	c.counter++
	token := strconv.Itoa(c.counter)
	c.remaining[token] = objects[size:]
	return types.RetrieveResult{Objects: objects[:size], Token: token}
}

func (c *pagingCollector) RetrievePropertiesEx(ctx *simulator.Context, r *types.RetrievePropertiesEx) soap.HasFault {
	answer := c.PropertyCollector.RetrievePropertiesEx(ctx, r)
	body, ok := answer.(*methods.RetrievePropertiesExBody)
	if !ok || body.Res == nil || body.Res.Returnval == nil {
		return answer
	}
	result := c.page(body.Res.Returnval.Objects, r.Options.MaxObjects)
	body.Res.Returnval = &result
	return body
}

func (c *pagingCollector) ContinueRetrievePropertiesEx(ctx *simulator.Context, r *types.ContinueRetrievePropertiesEx) soap.HasFault {
	c.mutex.Lock()
	objects, ok := c.remaining[r.Token]
	delete(c.remaining, r.Token)
	c.mutex.Unlock()
	if !ok {
		return &methods.ContinueRetrievePropertiesExBody{
			Fault_: simulator.Fault("unknown token", &types.InvalidArgument{InvalidProperty: "token"}),
		}
	}
	return &methods.ContinueRetrievePropertiesExBody{
		Res: &types.ContinueRetrievePropertiesExResponse{Returnval: c.page(objects, 0)},
	}
}

// usePaging puts the wrapper in place of the model's property collector.
func usePaging(limit int) {
	pageLimit = limit
	ref := types.ManagedObjectReference{Type: "PropertyCollector", Value: "propertyCollector"}
	original := simulator.Map.Get(ref).(*simulator.PropertyCollector)
	simulator.Map.Put(&pagingCollector{PropertyCollector: *original})
}
