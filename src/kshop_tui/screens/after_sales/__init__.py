"""After-sales (售后): the list of the user's requests, one request's detail, and the
wizard that asks for one."""
