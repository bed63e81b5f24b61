declare module "anywidget";
